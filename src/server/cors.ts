/**
 * CORS for the native operations a browser calls directly (downloads and uploads): a bucket's corsRules decide
 * which origins may call which operation. Simple requests get Access-Control-* headers; OPTIONS preflights are
 * answered from the matching rule (or refused with 403).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { B2Fail } from "./errors.js";
import type { BucketRow } from "./rows.js";

export interface CorsRule {
  corsRuleName: string;
  allowedOrigins: string[];
  allowedOperations: string[];
  allowedHeaders?: string[] | null;
  exposeHeaders?: string[] | null;
  maxAgeSeconds: number;
}

/** `*`, a bare scheme (`https`), an exact origin, or one `*` wildcard (`https://*.example.com`). */
export function originMatches(pattern: string, origin: string): boolean {
  if (pattern === "*") return true;
  if (/^[a-z][a-z0-9+.-]*$/i.test(pattern)) return origin.toLowerCase().startsWith(`${pattern.toLowerCase()}://`);
  const star = pattern.indexOf("*");
  if (star < 0) return pattern.toLowerCase() === origin.toLowerCase();
  const [head, tail] = [pattern.slice(0, star).toLowerCase(), pattern.slice(star + 1).toLowerCase()];
  const o = origin.toLowerCase();
  return o.length >= head.length + tail.length && o.startsWith(head) && o.endsWith(tail);
}

function headerAllowed(rule: CorsRule, header: string): boolean {
  return (rule.allowedHeaders ?? []).some((h) => h === "*" || h.toLowerCase() === header.toLowerCase() || (h.endsWith("*") && header.toLowerCase().startsWith(h.slice(0, -1).toLowerCase())));
}

export function findRule(bucket: BucketRow, origin: string, op: string, headers: string[] = []): CorsRule | undefined {
  const rules = JSON.parse(bucket.corsRules) as CorsRule[];
  return rules.find(
    (r) => r.allowedOperations.includes(op) && r.allowedOrigins.some((p) => originMatches(p, origin)) && headers.every((h) => headerAllowed(r, h)),
  );
}

/** Adds CORS headers to a response of `op` in `bucket` when the request has an Origin a rule allows. */
export function applyCors(req: IncomingMessage, res: ServerResponse, bucket: BucketRow, op: string): void {
  const origin = req.headers.origin;
  if (!origin || res.headersSent) return;
  const rule = findRule(bucket, origin, op);
  if (!rule) return;
  res.setHeader("Access-Control-Allow-Origin", rule.allowedOrigins.includes("*") ? "*" : origin);
  if (rule.exposeHeaders?.length) res.setHeader("Access-Control-Expose-Headers", rule.exposeHeaders.join(", "));
  res.setHeader("Vary", "Origin");
}

/** The answer to an OPTIONS preflight for `op` in `bucket`. */
export function preflight(req: IncomingMessage, res: ServerResponse, bucket: BucketRow, op: string): void {
  const origin = req.headers.origin;
  const method = req.headers["access-control-request-method"];
  if (!origin || typeof method !== "string") throw new B2Fail(400, "bad_request", "a CORS preflight needs Origin and Access-Control-Request-Method");
  const wanted = (req.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const methods = op.startsWith("b2_upload") ? ["POST"] : ["GET", "HEAD"];
  const rule = methods.includes(method.toUpperCase()) ? findRule(bucket, origin, op, wanted) : undefined;
  if (!rule) throw new B2Fail(403, "access_denied", `no CORS rule of this bucket allows ${origin} to call ${op}`);
  res.writeHead(200, {
    "Access-Control-Allow-Origin": rule.allowedOrigins.includes("*") ? "*" : origin,
    "Access-Control-Allow-Methods": methods.join(", "),
    ...(wanted.length ? { "Access-Control-Allow-Headers": wanted.join(", ") } : {}),
    "Access-Control-Max-Age": String(rule.maxAgeSeconds),
    Vary: "Origin",
    "Content-Length": 0,
  });
  res.end();
}
