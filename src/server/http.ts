/** Routing: path -> operation, faults and test modes, JSON bodies, B2 error bodies, the journal. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { handleControl } from "./control.js";
import { B2Fail } from "./errors.js";
import type { Fault } from "./faults.js";
import { OPS } from "./ops/index.js";
import { corsPreflight } from "./ops/preflight.js";
import type { ServerState } from "./state.js";
import type { Ctx, Result } from "./types.js";
import { validateHeaders, validateRequest } from "./validate.js";
import { drain, resetMidResponse, resetMidUpload, stallHalfway, throttle } from "./wire.faults.js";

const MAX_JSON_BODY = 1 << 20;
/**
 * Each response's journal recorder. An entry is recorded just before the response goes out (so a client that has
 * its answer always finds the entry), once; a request that never got an answer is recorded on close with status 0.
 */
const recorders = new WeakMap<ServerResponse, (status: number, code?: string) => void>();
const record = (res: ServerResponse, status: number, code?: string): void => recorders.get(res)?.(status, code);
const UPLOAD_OPS = new Set(["b2_upload_file", "b2_upload_part"]);

interface Route {
  op: string;
  version: number;
  params: string[];
}

export function route(path: string): Route | undefined {
  const api = /^\/b2api\/v([1-4])\/(b2_[a-z_]+)(?:\/(.*))?$/.exec(path);
  if (api) {
    const [, v, op = "", rest] = api;
    const params = rest ? rest.split("/") : [];
    if ((op === "b2_upload_file" || op === "b2_upload_part") !== (params.length === 2)) return undefined;
    return { op, version: Number(v), params };
  }
  const byName = /^\/file\/([^/]+)\/(.+)$/.exec(path);
  if (byName) return { op: "b2_download_file_by_name", version: 4, params: [byName[1] ?? "", byName[2] ?? ""] };
  return undefined;
}

/**
 * The path and query of a request target, taken literally. Not `new URL(target, base)`: it removes dot segments
 * (`a/../x`, also `%2e%2e`), reads `//x/y` as host x and throws on `//`; but a B2 file name may hold `.` and `..`
 * segments, and the path names it literally. Origin-form (`/p?q`) and absolute-form (`http://host/p?q`) only;
 * anything else (`*`, garbage) is undefined. A fragment, never sent by a conforming client, is dropped as URL did.
 */
export function requestTarget(raw: string): { pathname: string; search: string } | undefined {
  let rest = raw.split("#")[0] ?? "";
  if (!rest.startsWith("/")) {
    const authority = /^https?:\/\/[^/?]*/i.exec(rest);
    if (!authority || !URL.canParse(authority[0])) return undefined;
    rest = rest.slice(authority[0].length);
    if (!rest.startsWith("/")) rest = `/${rest}`;
  }
  const q = rest.indexOf("?");
  return q < 0 ? { pathname: rest, search: "" } : { pathname: rest.slice(0, q), search: rest.slice(q) };
}

export async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = requestTarget(req.url ?? "/");
  const pathname = target?.pathname ?? req.url ?? "";
  // For the query (searchParams) only: its pathname has dot segments removed; routing uses `pathname`.
  const url = new URL("http://local/");
  url.pathname = pathname;
  url.search = target?.search ?? "";
  const method = req.method ?? "GET";
  if (target && pathname.startsWith("/__b2kit/")) return handleControl(state, req, res, url);
  const found = target ? route(pathname) : undefined;
  const op = found?.op ?? "unknown";
  const ctx: Ctx = { state, req, res, url, op, version: found?.version ?? 4, method, params: found?.params ?? [], body: {} };
  // The upload URL's id is its last path segment: journaled even when a fault answers before the handler runs.
  if (UPLOAD_OPS.has(op) && ctx.params[1]) ctx.uploadUrlId = ctx.params[1];
  let fault: Fault | undefined;
  let recorded = false;
  recorders.set(res, (status, code) => {
    if (recorded) return;
    recorded = true;
    state.journal.add({
      op,
      method,
      path: pathname,
      status,
      at: state.clock.now(),
      ...(code !== undefined ? { code } : {}),
      ...(fault ? { fault: fault.wire ?? `status:${fault.status}` } : {}),
      ...(ctx.uploadUrlId ? { uploadUrlId: ctx.uploadUrlId } : {}),
    });
  });
  res.on("close", () => record(res, res.headersSent ? res.statusCode : 0));
  try {
    if (!target) throw new B2Fail(400, "bad_request", "malformed request target");
    if (!found) throw new B2Fail(404, "not_found", `no such operation or path: ${pathname}`);
    const def = OPS[op];
    if (!def) throw new B2Fail(404, "not_found", `unsupported operation ${op}`);
    if (method === "OPTIONS") return corsPreflight(ctx);
    fault = state.faults.take(op);
    if (fault?.wire === "stall" && fault.stallAt !== "body") {
      await sleep(fault.stallMs ?? 30_000);
      if (req.socket.destroyed) return;
    }
    if (fault?.status !== undefined) {
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
      if (def.kind === "raw" && UPLOAD_OPS.has(op)) await drain(req);
      throw new B2Fail(fault.status, fault.code ?? defaultCode(fault.status), fault.message ?? "injected fault", headers);
    }
    if (fault?.wire === "reset_mid_body" && UPLOAD_OPS.has(op)) return resetMidUpload(req);
    testMode(state, req, op);
    def.auth?.(ctx);
    const badHeader = validateHeaders(op, method, req.headers);
    if (badHeader) throw new B2Fail(400, "bad_request", badHeader);
    if (def.kind === "json") ctx.body = await readJsonBody(req, url, method, ctx.version, op);
    const result = await def.handler(ctx);
    await send(ctx, result, fault);
  } catch (error) {
    await sendError(res, error, fault);
  }
}

function defaultCode(status: number): string {
  return (
    { 400: "bad_request", 401: "unauthorized", 403: "cap_exceeded", 404: "not_found", 408: "request_timeout", 409: "conflict", 429: "too_many_requests", 500: "internal_error", 503: "service_unavailable" }[status] ??
    "error"
  );
}

/** X-Bz-Test-Mode, as B2 honours it: "some" here means every third request carrying the header. */
function testMode(state: ServerState, req: IncomingMessage, op: string): void {
  const mode = req.headers["x-bz-test-mode"];
  if (!mode) return;
  if (mode === "force_cap_exceeded" && UPLOAD_OPS.has(op)) throw new B2Fail(403, "cap_exceeded", "Cannot upload files, storage cap exceeded (test mode)");
  if (mode === "fail_some_uploads" && UPLOAD_OPS.has(op) && ++state.testModeCounter % 3 === 1)
    throw new B2Fail(503, "service_unavailable", "upload failed (test mode fail_some_uploads)");
  if (mode === "expire_some_account_authorization_tokens" && !UPLOAD_OPS.has(op) && op !== "b2_authorize_account" && ++state.testModeCounter % 3 === 1)
    throw new B2Fail(401, "expired_auth_token", "Authorization token has expired (test mode)");
}

async function readJsonBody(req: IncomingMessage, url: URL, method: string, version: number, op: string): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) body[k] = v;
  const fromQuery = method !== "POST";
  if (method === "POST") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_JSON_BODY) throw new B2Fail(400, "bad_request", "request body too large");
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new B2Fail(400, "bad_json", "request body is not valid JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new B2Fail(400, "bad_json", "request body must be a JSON object");
      Object.assign(body, parsed);
    }
  }
  // B2 accepts optional fields sent as null: treat them as absent.
  for (const [k, v] of Object.entries(body)) if (v === null) delete body[k];
  const problem = validateRequest(op, version, body, fromQuery);
  if (problem) throw new B2Fail(400, problem.code, problem.message);
  return body;
}

async function send(ctx: Ctx, result: Result, fault: Fault | undefined): Promise<void> {
  const { res, req } = ctx;
  if (fault?.wire === "drop_after_commit") {
    record(res, "json" in result ? (result.status ?? 200) : result.status);
    req.socket.destroy();
    return;
  }
  let status: number;
  let headers: Record<string, string | number>;
  let body: Readable | null;
  if ("json" in result) {
    const text = Buffer.from(JSON.stringify(result.json));
    status = result.status ?? 200;
    headers = { "Content-Type": "application/json;charset=utf-8", "Content-Length": text.length, "Cache-Control": "max-age=0, no-cache, no-store" };
    body = ctx.method === "HEAD" ? null : Readable.from([text]);
  } else {
    ({ status, headers, stream: body } = result);
  }
  record(res, status);
  res.writeHead(status, headers);
  if (!body) return void res.end();
  if (fault?.wire === "reset_mid_body") return resetMidResponse(res, body, Number(headers["Content-Length"] ?? 0));
  if (fault?.wire === "stall" && fault.stallAt === "body") body = body.pipe(stallHalfway(Number(headers["Content-Length"] ?? 0), fault.stallMs ?? 30_000));
  if (fault?.wire === "slow_body") body = body.pipe(throttle(fault.bytesPerSec ?? 1000));
  try {
    await pipeline(body, res);
  } catch {
    res.destroy();
  }
}

/** The client went away mid-request (closed or reset its connection): nobody to answer, no bug. */
function clientGone(res: ServerResponse, error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return res.req.destroyed || res.destroyed || code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || (error instanceof Error && error.message === "aborted");
}

export async function sendError(res: ServerResponse, error: unknown, fault?: Fault): Promise<void> {
  const fail =
    error instanceof B2Fail
      ? error
      : new B2Fail(500, "internal_error", "internal error");
  if (!(error instanceof B2Fail) && !clientGone(res, error)) console.error("b2kit server: internal error", error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (fault?.wire === "drop_after_commit") {
    record(res, fail.status, fail.code);
    res.socket?.destroy();
    return;
  }
  const text = JSON.stringify({ status: fail.status, code: fail.code, message: fail.message });
  record(res, fail.status, fail.code);
  res.writeHead(fail.status, {
    "Content-Type": "application/json;charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "max-age=0, no-cache, no-store",
    ...fail.headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
