/** Buckets: create, list, update (revisions, ifRevisionIs), delete (only when empty); notification rules. */
import { accountAuth, principal, requireCap } from "../auth.js";
import { B2Fail, badRequest, unauthorized } from "../errors.js";
import { bucketById, bucketByName, lockOf, type BucketRow, type FileLockConfig } from "../rows.js";
import { checkBucketName, checkBucketType, checkCorsRules, checkLifecycleRules, checkNotificationRules } from "../rules.js";
import { newId } from "../state.js";
import type { Ctx, OpDef } from "../types.js";
import { bucketJson } from "../wire.js";
import { requireAccount } from "./keys.js";
import { servedHeaderProblem } from "../../header-grammar.js";

function checkInfo(info: unknown): Record<string, string> {
  if (typeof info !== "object" || info === null || Array.isArray(info)) throw badRequest("bucketInfo: must be an object");
  const entries = Object.entries(info);
  if (entries.length > 10) throw badRequest("bucketInfo: at most 10 entries");
  for (const [k, v] of entries) if (typeof v !== "string") throw badRequest(`bucketInfo.${k}: must be a string`);
  // The bucket's Cache-Control is served on its downloads.
  const cache = (info as Record<string, string>)["Cache-Control"];
  const problem = cache === undefined ? undefined : servedHeaderProblem("Cache-Control", cache);
  if (problem) throw badRequest(`bucketInfo.Cache-Control: ${problem}`);
  return info as Record<string, string>;
}

function checkDefaultSse(sse: unknown): { mode: string | null; algorithm: string | null } {
  const s = sse as Record<string, unknown>;
  if (s["mode"] === undefined || s["mode"] === null) return { mode: null, algorithm: null };
  if (s["mode"] !== "SSE-B2") throw badRequest("defaultServerSideEncryption.mode: only SSE-B2 can be a bucket default");
  if (s["algorithm"] !== undefined && s["algorithm"] !== "AES256") throw badRequest("defaultServerSideEncryption.algorithm: must be AES256");
  return { mode: "SSE-B2", algorithm: "AES256" };
}

function checkDefaultRetention(value: unknown): FileLockConfig["defaultRetention"] {
  const r = value as Record<string, unknown>;
  const mode = r["mode"] ?? null;
  if (mode === null) return { mode: null, period: null };
  if (mode !== "governance" && mode !== "compliance") throw badRequest("defaultRetention.mode: governance, compliance or null");
  const period = r["period"] as Record<string, unknown> | undefined;
  if (!period || typeof period["duration"] !== "number" || period["duration"] < 1 || (period["unit"] !== "days" && period["unit"] !== "years"))
    throw badRequest("defaultRetention.period: {duration >= 1, unit: days|years} required with a mode");
  return { mode, period: { duration: period["duration"], unit: period["unit"] } };
}

function createBucket(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  requireCap(p, "writeBuckets");
  if (p.bucketIds) throw unauthorized("a key restricted to buckets cannot create buckets");
  requireAccount(state, body["accountId"]);
  const name = checkBucketName(body["bucketName"]);
  const type = checkBucketType(body["bucketType"]);
  const lockEnabled = body["fileLockEnabled"] === true;
  if (lockEnabled) requireCap(p, "writeBucketRetentions");
  if (body["defaultServerSideEncryption"] !== undefined) requireCap(p, "writeBucketEncryption");
  const count = (state.db.prepare("SELECT COUNT(*) AS n FROM buckets").get() as { n: number }).n;
  const row: BucketRow = {
    bucketId: newId(12),
    bucketName: name,
    bucketType: type,
    bucketInfo: JSON.stringify(checkInfo(body["bucketInfo"] ?? {})),
    corsRules: JSON.stringify(checkCorsRules(body["corsRules"] ?? [])),
    lifecycleRules: JSON.stringify(checkLifecycleRules(body["lifecycleRules"] ?? [])),
    defaultSse: JSON.stringify(checkDefaultSse(body["defaultServerSideEncryption"] ?? {})),
    fileLock: JSON.stringify({ isFileLockEnabled: lockEnabled, defaultRetention: { mode: null, period: null } } satisfies FileLockConfig),
    replication: body["replicationConfiguration"] !== undefined ? JSON.stringify(body["replicationConfiguration"]) : null,
    notificationRules: "[]",
    revision: 1,
  };
  state.db.transaction(() => {
    if (state.db.prepare("SELECT 1 FROM buckets WHERE lower(bucketName) = lower(?)").get(name))
      throw new B2Fail(400, "duplicate_bucket_name", "Bucket name is already in use.");
    if (count >= state.limits.maxBuckets) throw new B2Fail(400, "too_many_buckets", `at most ${state.limits.maxBuckets} buckets`);
    state.db
      .prepare(
        "INSERT INTO buckets (bucketId, bucketName, bucketType, bucketInfo, corsRules, lifecycleRules, defaultSse, fileLock, replication, notificationRules, revision) VALUES (@bucketId, @bucketName, @bucketType, @bucketInfo, @corsRules, @lifecycleRules, @defaultSse, @fileLock, @replication, @notificationRules, @revision)",
      )
      .run(row);
  })();
  return { json: bucketJson(state, row, p) };
}

function listBuckets(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  requireCap(p, "listBuckets");
  requireAccount(state, body["accountId"]);
  let rows = state.db.prepare("SELECT * FROM buckets ORDER BY bucketName").all() as BucketRow[];
  const id = body["bucketId"];
  const name = body["bucketName"];
  if (p.bucketIds && ctx.version === 1) {
    // v1 silently filtered listings for restricted keys; v2 made it a 401 unless the bucket is named.
    const allowed = p.bucketIds;
    rows = rows.filter((b) => allowed.includes(b.bucketId));
  } else if (p.bucketIds) {
    const target = typeof id === "string" ? id : typeof name === "string" ? bucketByName(state, name)?.bucketId : undefined;
    if (target === undefined && typeof name !== "string") throw unauthorized("a key restricted to buckets must name one of its buckets");
    if (target !== undefined && !p.bucketIds.includes(target)) throw unauthorized("application key is not allowed to access this bucket");
  }
  if (typeof id === "string") rows = rows.filter((b) => b.bucketId === id);
  if (typeof name === "string") rows = rows.filter((b) => b.bucketName === name);
  const types = body["bucketTypes"];
  if (types !== undefined) {
    // Query forms may carry the list comma-separated.
    const list = (Array.isArray(types) ? (types as string[]) : [String(types)]).flatMap((t) => t.split(","));
    if (!Array.isArray(list) || list.length === 0 || (list.includes("all") && list.length > 1)) throw badRequest("bucketTypes: 'all' alone or a list of types");
    if (!list.includes("all")) rows = rows.filter((b) => list.includes(b.bucketType));
  }
  return { json: { buckets: rows.map((b) => bucketJson(state, b, p)) } };
}

function updateBucket(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, body["bucketId"]);
  requireCap(p, "writeBuckets", bucket.bucketId);
  if (body["accountId"] !== undefined) requireAccount(state, body["accountId"]);
  const next: BucketRow = { ...bucket, revision: bucket.revision + 1 };
  if (body["bucketType"] !== undefined) next.bucketType = checkBucketType(body["bucketType"]);
  if (body["bucketInfo"] !== undefined) next.bucketInfo = JSON.stringify(checkInfo(body["bucketInfo"]));
  if (body["corsRules"] !== undefined) next.corsRules = JSON.stringify(checkCorsRules(body["corsRules"]));
  if (body["lifecycleRules"] !== undefined) next.lifecycleRules = JSON.stringify(checkLifecycleRules(body["lifecycleRules"]));
  if (body["defaultServerSideEncryption"] !== undefined) {
    requireCap(p, "writeBucketEncryption", bucket.bucketId);
    next.defaultSse = JSON.stringify(checkDefaultSse(body["defaultServerSideEncryption"]));
  }
  const lock = lockOf(bucket);
  if (body["fileLockEnabled"] !== undefined) {
    requireCap(p, "writeBucketRetentions", bucket.bucketId);
    if (body["fileLockEnabled"] === false && lock.isFileLockEnabled) throw badRequest("file lock cannot be disabled once enabled", "file_lock_conflict");
    if (body["fileLockEnabled"] === true) lock.isFileLockEnabled = true;
  }
  if (body["defaultRetention"] !== undefined) {
    requireCap(p, "writeBucketRetentions", bucket.bucketId);
    if (!lock.isFileLockEnabled) throw badRequest("The bucket is not file lock enabled", "bucket_missing_file_lock");
    lock.defaultRetention = checkDefaultRetention(body["defaultRetention"]);
  }
  next.fileLock = JSON.stringify(lock);
  if (body["replicationConfiguration"] !== undefined) {
    requireCap(p, "writeBucketReplications", bucket.bucketId);
    next.replication = JSON.stringify(body["replicationConfiguration"]);
  }
  state.db.transaction(() => {
    const current = bucketById(state, bucket.bucketId);
    const expected = body["ifRevisionIs"];
    if (expected !== undefined && expected !== current.revision) throw new B2Fail(409, "conflict", "simultaneous updates to bucket");
    next.revision = current.revision + 1;
    state.db
      .prepare(
        "UPDATE buckets SET bucketType=@bucketType, bucketInfo=@bucketInfo, corsRules=@corsRules, lifecycleRules=@lifecycleRules, defaultSse=@defaultSse, fileLock=@fileLock, replication=@replication, revision=@revision WHERE bucketId=@bucketId",
      )
      .run(next);
  })();
  return { json: bucketJson(state, next, p) };
}

function deleteBucket(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  requireAccount(state, body["accountId"]);
  const id = body["bucketId"];
  const bucket = typeof id === "string" ? (state.db.prepare("SELECT * FROM buckets WHERE bucketId = ?").get(id) as BucketRow | undefined) : undefined;
  if (!bucket) throw badRequest(`Bucket ${String(id)} does not exist`, "bad_bucket_id");
  requireCap(p, "deleteBuckets", bucket.bucketId);
  state.db.transaction(() => {
    if (state.db.prepare("SELECT 1 FROM files WHERE bucketId = ? LIMIT 1").get(bucket.bucketId))
      throw badRequest("Cannot delete non-empty bucket", "cannot_delete_non_empty_bucket");
    state.db.prepare("DELETE FROM buckets WHERE bucketId = ?").run(bucket.bucketId);
    state.db.prepare("DELETE FROM download_auths WHERE bucketId = ?").run(bucket.bucketId);
  })();
  return { json: bucketJson(state, bucket, p) };
}

function notificationRulesJson(bucket: BucketRow): unknown {
  const rules = JSON.parse(bucket.notificationRules) as { name: string }[];
  return { bucketId: bucket.bucketId, eventNotificationRules: rules.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

function getNotificationRules(ctx: Ctx): { json: unknown } {
  const p = principal(ctx);
  const bucket = bucketById(ctx.state, ctx.body["bucketId"]);
  requireCap(p, "readBucketNotifications", bucket.bucketId);
  return { json: notificationRulesJson(bucket) };
}

function setNotificationRules(ctx: Ctx): { json: unknown } {
  const { state } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, ctx.body["bucketId"]);
  requireCap(p, "writeBucketNotifications", bucket.bucketId);
  const rules = checkNotificationRules(ctx.body["eventNotificationRules"]);
  state.db.prepare("UPDATE buckets SET notificationRules = ? WHERE bucketId = ?").run(JSON.stringify(rules), bucket.bucketId);
  return { json: notificationRulesJson({ ...bucket, notificationRules: JSON.stringify(rules) }) };
}

export const bucketOps: Record<string, OpDef> = {
  b2_create_bucket: { kind: "json", auth: accountAuth, handler: createBucket },
  b2_list_buckets: { kind: "json", auth: accountAuth, handler: listBuckets },
  b2_update_bucket: { kind: "json", auth: accountAuth, handler: updateBucket },
  b2_delete_bucket: { kind: "json", auth: accountAuth, handler: deleteBucket },
  b2_get_bucket_notification_rules: { kind: "json", auth: accountAuth, handler: getNotificationRules },
  b2_set_bucket_notification_rules: { kind: "json", auth: accountAuth, handler: setNotificationRules },
};
