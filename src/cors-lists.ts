/**
 * The lists of a CORS rule as B2's CORS documentation holds them, shared by the SDK (checked
 * before sending) and the local server (400): origins are `*` (then alone), `https` (at most
 * once), `http`, or `scheme://host[:port]`, each with at most one `*`; allowedHeaders may be `*`
 * only alone; exposeHeaders are complete header names (no wildcard).
 */
const TOKEN = /^[!#$%&'+\-.^_`|~0-9A-Za-z]+$/;
const ORIGIN = /^https?:\/\/[^\s/?#]+$/;

function strings(value: unknown, field: string): string[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return `${field} must be a list of strings`;
  return value as string[];
}

/** Why the rule's origin and header lists break B2's rules, or undefined when they do not. */
export function corsListsProblem(rule: Record<string, unknown>): string | undefined {
  const origins = strings(rule["allowedOrigins"], "allowedOrigins");
  if (typeof origins === "string") return origins;
  if (origins.includes("*") && origins.length > 1) return "allowedOrigins: '*' must be the only entry";
  if (origins.filter((o) => o === "https").length > 1) return "allowedOrigins: at most one 'https' entry";
  for (const o of origins) {
    if ((o.match(/\*/g) ?? []).length > 1) return `allowedOrigins: ${JSON.stringify(o)} has more than one '*'`;
    if (o !== "*" && o !== "https" && o !== "http" && !ORIGIN.test(o)) return `allowedOrigins: ${JSON.stringify(o)} is not an origin (scheme://host[:port], https, or *)`;
  }
  const allowed = strings(rule["allowedHeaders"], "allowedHeaders");
  if (typeof allowed === "string") return allowed;
  if (allowed.includes("*") && allowed.length > 1) return "allowedHeaders: '*' must be the only entry";
  for (const h of allowed) if (h !== "*" && !TOKEN.test(h.replace(/\*$/, ""))) return `allowedHeaders: ${JSON.stringify(h)} is not a header name`;
  const exposed = strings(rule["exposeHeaders"], "exposeHeaders");
  if (typeof exposed === "string") return exposed;
  for (const h of exposed) if (!TOKEN.test(h)) return `exposeHeaders: ${JSON.stringify(h)} is not a complete header name`;
  return undefined;
}
