/**
 * Shapes of bucket rule lists B2 documents — lifecycle, CORS and event-notification rules —
 * checked before sending. Each failure is a `ValidationError` naming the rule and its index.
 */
import { corsListsProblem } from "../cors-lists.js";
import { EVENT_TYPES } from "../event-types.js";
import { ValidationError } from "../errors.js";

type Rule = Record<string, unknown>;

function list(rules: unknown, field: string, max: number, operation?: string): Rule[] {
  if (!Array.isArray(rules)) throw new ValidationError(`invalid ${field}: must be an array`, operation);
  if (rules.length > max) throw new ValidationError(`invalid ${field}: at most ${max} rules per bucket (got ${rules.length})`, operation);
  rules.forEach((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new ValidationError(`invalid ${field}[${i}]: must be an object`, operation);
  });
  return rules as Rule[];
}

const DAYS = ["daysFromUploadingToHiding", "daysFromHidingToDeleting", "daysFromStartingToCancelingUnfinishedLargeFiles"] as const;

/** Lifecycle rules: a prefix, at least one positive whole number of days, no overlapping prefixes, ≤ 100. */
export function checkLifecycleRules(rules: unknown, operation?: string): void {
  const prefixes: string[] = [];
  list(rules, "lifecycleRules", 100, operation).forEach((rule, i) => {
    const fail = (why: string): never => {
      throw new ValidationError(`invalid lifecycleRules[${i}]: ${why}`, operation);
    };
    const prefix = rule["fileNamePrefix"];
    if (typeof prefix !== "string") fail("fileNamePrefix is required (\"\" for the whole bucket)");
    let any = false;
    for (const d of DAYS) {
      const v = rule[d];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail(`${d} must be a positive whole number of days or null`);
      any = true;
    }
    if (!any) fail(`at least one of ${DAYS.join(", ")} is required`);
    if (prefixes.some((p) => p.startsWith(prefix as string) || (prefix as string).startsWith(p))) fail("fileNamePrefix overlaps another rule's");
    prefixes.push(prefix as string);
  });
}

const CORS_OPERATIONS = new Set([
  "b2_download_file_by_name", "b2_download_file_by_id", "b2_upload_file", "b2_upload_part",
  "s3_delete", "s3_get", "s3_head", "s3_post", "s3_put",
]);

/** CORS rules: unique 6–50 character names (not `b2-`), origins, known operations, maxAgeSeconds 0–86400, < 1,000 bytes each. */
export function checkCorsRules(rules: unknown, operation?: string): void {
  const names = new Set<string>();
  list(rules, "corsRules", 100, operation).forEach((rule, i) => {
    const fail = (why: string): never => {
      throw new ValidationError(`invalid corsRules[${i}]: ${why}`, operation);
    };
    const name = rule["corsRuleName"];
    if (typeof name !== "string" || !/^[A-Za-z0-9-]{6,50}$/.test(name)) fail("corsRuleName must be 6 to 50 letters, digits and '-'");
    if (/^b2-/i.test(name as string)) fail("corsRuleName must not start with 'b2-'");
    if (names.has(name as string)) fail(`duplicate corsRuleName ${JSON.stringify(name)}`);
    names.add(name as string);
    const origins = rule["allowedOrigins"];
    if (!Array.isArray(origins) || origins.length === 0) fail("allowedOrigins needs at least one origin");
    const lists = corsListsProblem(rule);
    if (lists) fail(lists);
    const ops = rule["allowedOperations"];
    if (!Array.isArray(ops) || ops.length === 0) fail("allowedOperations needs at least one operation");
    for (const op of ops as unknown[]) if (!CORS_OPERATIONS.has(op as string)) fail(`unknown operation ${JSON.stringify(op)} in allowedOperations`);
    const age = rule["maxAgeSeconds"];
    if (typeof age !== "number" || !Number.isInteger(age) || age < 0 || age > 86_400) fail("maxAgeSeconds must be 0 to 86400");
    const strings = [name, ...[origins, ops, rule["allowedHeaders"], rule["exposeHeaders"]].flatMap((v) => (Array.isArray(v) ? v : []))];
    if (strings.reduce((n: number, v) => n + Buffer.byteLength(String(v)), 0) >= 1000) fail("the rule's strings must total under 1,000 bytes");
  });
}

/**
 * Event notification rules: unique 6–63 character names (not `b2-`), known event types, a prefix
 * string, an enabled flag, a webhook target on https with an optional 32-alphanumeric secret,
 * 1–50 events per batch, at most 25 rules.
 */
export function checkNotificationRules(rules: unknown, operation?: string): void {
  const names = new Set<string>();
  list(rules, "eventNotificationRules", 25, operation).forEach((rule, i) => {
    const fail = (why: string): never => {
      throw new ValidationError(`invalid eventNotificationRules[${i}]: ${why}`, operation);
    };
    const name = rule["name"];
    if (typeof name !== "string" || !/^[A-Za-z0-9-]{6,63}$/.test(name) || name.startsWith("b2-")) fail("name must be 6 to 63 letters, digits and '-', not starting with 'b2-'");
    if (names.has(name as string)) fail(`duplicate name ${JSON.stringify(name)}`);
    names.add(name as string);
    const types = rule["eventTypes"];
    if (!Array.isArray(types) || types.length === 0) fail("eventTypes needs at least one event type");
    for (const t of types as unknown[]) if (!EVENT_TYPES.has(t as string)) fail(`unknown event type ${JSON.stringify(t)}`);
    if (rule["objectNamePrefix"] !== undefined && typeof rule["objectNamePrefix"] !== "string") fail("objectNamePrefix must be a string");
    if (typeof rule["isEnabled"] !== "boolean") fail("isEnabled must be true or false");
    const batch = rule["maxEventsPerBatch"];
    if (batch !== undefined && (typeof batch !== "number" || !Number.isInteger(batch) || batch < 1 || batch > 50)) fail("maxEventsPerBatch must be 1 to 50");
    const target = rule["targetConfiguration"] as Rule | undefined;
    if (typeof target !== "object" || target === null || target["targetType"] !== "webhook") fail("targetConfiguration must be a webhook target");
    const url = (target as Rule)["url"];
    if (typeof url !== "string" || !/^https:\/\/[^\s/]+/.test(url)) fail("targetConfiguration.url must be an https URL");
    const secret = (target as Rule)["hmacSha256SigningSecret"];
    if (secret !== undefined && secret !== null && (typeof secret !== "string" || !/^[A-Za-z0-9]{32}$/.test(secret))) {
      fail("targetConfiguration.hmacSha256SigningSecret must be 32 letters and digits");
    }
  });
}
