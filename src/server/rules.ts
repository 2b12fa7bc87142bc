/** Semantic checks on bucket settings beyond what the spec's schemas express (counts, overlaps, uniqueness). */
import { corsListsProblem } from "../cors-lists.js";
import { EVENT_TYPES } from "../event-types.js";
import { badRequest } from "./errors.js";

const CORS_OPS = new Set([
  "b2_download_file_by_name", "b2_download_file_by_id", "b2_upload_file", "b2_upload_part",
  "s3_delete", "s3_get", "s3_head", "s3_post", "s3_put",
]);

export function checkBucketName(name: unknown): string {
  if (typeof name !== "string" || !/^[A-Za-z0-9-]{6,63}$/.test(name)) throw badRequest("bucketName: 6-63 letters, digits and '-'");
  if (name.toLowerCase().startsWith("b2-")) throw badRequest("bucketName: names starting with 'b2-' are reserved");
  return name;
}

export function checkBucketType(type: unknown): string {
  if (type !== "allPublic" && type !== "allPrivate") throw badRequest(`bucketType: must be allPublic or allPrivate, not ${String(type)}`);
  return type;
}

export function checkCorsRules(rules: unknown): unknown[] {
  if (!Array.isArray(rules)) throw badRequest("corsRules: must be an array");
  if (rules.length > 100) throw badRequest("corsRules: at most 100 rules");
  const names = new Set<string>();
  for (const [i, r] of rules.entries()) {
    const rule = r as Record<string, unknown>;
    const name = rule["corsRuleName"];
    if (typeof name !== "string" || !/^[A-Za-z0-9-]{6,50}$/.test(name)) throw badRequest(`corsRules[${i}].corsRuleName: 6-50 letters, digits and '-'`);
    if (/^b2-/i.test(name)) throw badRequest(`corsRules[${i}].corsRuleName: names starting with b2- are reserved`);
    if (names.has(name)) throw badRequest(`corsRules[${i}].corsRuleName: duplicate name ${name}`);
    const strings = [name, ...[rule["allowedOrigins"], rule["allowedOperations"], rule["allowedHeaders"], rule["exposeHeaders"]].flatMap((v) => (Array.isArray(v) ? v : []))];
    if (strings.reduce((n, v) => n + Buffer.byteLength(String(v)), 0) >= 1000) throw badRequest(`corsRules[${i}]: the rule's strings must total under 1,000 bytes`);
    names.add(name);
    const origins = rule["allowedOrigins"];
    if (!Array.isArray(origins) || origins.length === 0) throw badRequest(`corsRules[${i}].allowedOrigins: at least one origin`);
    const lists = corsListsProblem(rule);
    if (lists) throw badRequest(`corsRules[${i}].${lists}`);
    const ops = rule["allowedOperations"];
    if (!Array.isArray(ops) || ops.length === 0) throw badRequest(`corsRules[${i}].allowedOperations: at least one operation`);
    for (const op of ops) if (!CORS_OPS.has(op as string)) throw badRequest(`corsRules[${i}].allowedOperations: unknown operation ${String(op)}`);
    const age = rule["maxAgeSeconds"];
    if (typeof age !== "number" || !Number.isInteger(age) || age < 0 || age > 86_400) throw badRequest(`corsRules[${i}].maxAgeSeconds: 0 to 86400`);
  }
  return rules;
}

export function checkLifecycleRules(rules: unknown): unknown[] {
  if (!Array.isArray(rules)) throw badRequest("lifecycleRules: must be an array");
  if (rules.length > 100) throw badRequest("lifecycleRules: at most 100 rules");
  const prefixes: string[] = [];
  for (const [i, r] of rules.entries()) {
    const rule = r as Record<string, unknown>;
    const prefix = rule["fileNamePrefix"];
    if (typeof prefix !== "string") throw badRequest(`lifecycleRules[${i}].fileNamePrefix: required string`);
    const days = ["daysFromUploadingToHiding", "daysFromHidingToDeleting", "daysFromStartingToCancelingUnfinishedLargeFiles"];
    let any = false;
    for (const d of days) {
      const v = rule[d];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw badRequest(`lifecycleRules[${i}].${d}: a positive integer or null`);
      any = true;
    }
    if (!any) throw badRequest(`lifecycleRules[${i}]: at least one of ${days.join(", ")} is required`);
    if (prefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p))) throw badRequest(`lifecycleRules[${i}].fileNamePrefix: overlaps another rule`);
    prefixes.push(prefix);
  }
  return rules;
}

/** Notification rules: names, event types (with B2's codes), prefix overlap per event type, webhook target. */
export function checkNotificationRules(rules: unknown): Record<string, unknown>[] {
  if (!Array.isArray(rules)) throw badRequest("eventNotificationRules: must be an array");
  if (rules.length > 25) throw badRequest("eventNotificationRules: at most 25 rules");
  const names = new Set<string>();
  const seen: { type: string; prefix: string }[] = [];
  return rules.map((r, i) => {
    const rule = r as Record<string, unknown>;
    const name = rule["name"];
    if (typeof name !== "string" || !/^[A-Za-z0-9-]{6,63}$/.test(name) || name.startsWith("b2-")) throw badRequest(`eventNotificationRules[${i}].name: 6-63 letters, digits and '-', not starting with b2-`);
    if (names.has(name)) throw badRequest(`eventNotificationRules[${i}].name: duplicate name ${name}`);
    names.add(name);
    const types = rule["eventTypes"];
    if (!Array.isArray(types) || types.length === 0) throw badRequest(`eventNotificationRules[${i}].eventTypes: at least one`, "event_types_empty");
    for (const t of types) if (!EVENT_TYPES.has(t as string)) throw badRequest(`eventNotificationRules[${i}].eventTypes: invalid ${String(t)}`, "event_type_invalid");
    const prefix = typeof rule["objectNamePrefix"] === "string" ? rule["objectNamePrefix"] : "";
    for (const t of types as string[]) {
      const category = t.split(":").slice(0, 2).join(":");
      if (types.includes(`${category}:*`) && !t.endsWith("*")) throw badRequest(`eventNotificationRules[${i}].eventTypes: ${t} overlaps ${category}:*`, "event_type_categories");
      for (const s of seen) {
        const sCat = s.type.split(":").slice(0, 2).join(":");
        const typesOverlap = s.type === t || (sCat === category && (s.type.endsWith("*") || t.endsWith("*")));
        if (typesOverlap && (s.prefix.startsWith(prefix) || prefix.startsWith(s.prefix)))
          throw badRequest(`eventNotificationRules[${i}]: overlaps another rule for ${t}`, "event_type_overlap");
      }
    }
    for (const t of types as string[]) seen.push({ type: t, prefix });
    const target = rule["targetConfiguration"] as Record<string, unknown> | undefined;
    if (!target || target["targetType"] !== "webhook" || typeof target["url"] !== "string" || !/^https:\/\//.test(target["url"]))
      throw badRequest(`eventNotificationRules[${i}].targetConfiguration: a webhook with an https url`);
    const secret = target["hmacSha256SigningSecret"];
    if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9]{32}$/.test(secret)))
      throw badRequest(`eventNotificationRules[${i}].targetConfiguration.hmacSha256SigningSecret: 32 alphanumeric characters`);
    const { isSuspended: _s, suspensionReason: _r, ...kept } = rule;
    return { ...kept, objectNamePrefix: prefix, isSuspended: false, suspensionReason: "" };
  });
}
