/** File versions: get info, hide, delete, copy, retention, legal hold, download authorization. */
import { randomBytes } from "node:crypto";
import { accountAuth, principal, requireCap, requirePrefix, type Principal } from "../auth.js";
import { B2Fail, accessDenied, badRequest } from "../errors.js";
import { checkDeletable, checkLegalHold, checkRetention, lockForNewFile, type Retention } from "../lock.js";
import { checkFileInfo, checkFileName, resolveContentType } from "../names.js";
import { bucketById, fileById, findBucket, lockOf, segmentsOf, sseOf, type FileRow } from "../rows.js";
import { atRestFor, keyForRead, sseFromJson } from "../sse.js";
import type { Ctx, OpDef } from "../types.js";
import { fileJson } from "../wire.js";
import { removeLargeFile } from "./large.js";
import { parseRange } from "./range.js";
import { effectiveSse, fileId, insertFile, storeNew } from "./upload.js";
import { OVERRIDE_HEADERS, servedHeaderProblem } from "../../header-grammar.js";

/** Unknown ids: 400 for ids that could never be ours, 404 for well-formed ones that are gone. */
export function lookup(ctx: Ctx, id: unknown): FileRow {
  const row = fileById(ctx.state, id);
  if (row) return row;
  // Ours, or B2's own form (…_d<date>_m<time>_c…_v…_t…): well formed but unknown here is a 404.
  if (typeof id !== "string" || !/^4_z[0-9a-f]+_f[0-9a-f]+(_d\d{8}_m\d{6}_c\d{3}_v\d{7}_t\d{4})?$/.test(id)) throw badRequest(`Invalid fileId: ${String(id)}`);
  throw new B2Fail(404, "not_found", `File not present: ${id}`);
}

function getFileInfo(ctx: Ctx): { json: unknown } {
  const p = principal(ctx);
  const file = lookup(ctx, ctx.body["fileId"]);
  requireCap(p, "readFiles", file.bucketId, file.fileName);
  return { json: fileJson(ctx.state, file, p, ctx.version) };
}

function newest(ctx: Ctx, bucketId: string, fileName: string): FileRow | undefined {
  return ctx.state.db.prepare("SELECT * FROM files WHERE bucketId = ? AND fileName = ? AND action != 'start' ORDER BY seq DESC LIMIT 1").get(bucketId, fileName) as
    | FileRow
    | undefined;
}

function hideFile(ctx: Ctx): { json: unknown } {
  const { state } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, ctx.body["bucketId"]);
  const fileName = checkFileName(ctx.body["fileName"]);
  requireCap(p, "writeFiles", bucket.bucketId, fileName);
  const row = state.db.transaction(() => {
    const latest = newest(ctx, bucket.bucketId, fileName);
    if (!latest) throw badRequest(`File not present: ${fileName}`, "no_such_file");
    if (latest.action === "hide") throw badRequest(`File already hidden: ${fileName}`, "already_hidden");
    return insertFile(state, {
      fileId: fileId(bucket.bucketId),
      bucketId: bucket.bucketId,
      fileName,
      action: "hide",
      contentLength: 0,
      contentSha1: null,
      contentMd5: null,
      contentType: "application/x-bz-hide-marker",
      fileInfo: "{}",
      uploadTimestamp: state.clock.now(),
      sse: null,
      retention: null,
      legalHold: null,
      segments: "[]",
    });
  })();
  state.notifications.emit(bucket, "b2:HideMarkerCreated:Hide", row, row.uploadTimestamp);
  return { json: fileJson(state, row, p, ctx.version) };
}

async function deleteFileVersion(ctx: Ctx): Promise<{ json: unknown }> {
  const { state, body } = ctx;
  const p = principal(ctx);
  const file = fileById(state, body["fileId"]);
  if (!file || file.fileName !== body["fileName"]) throw badRequest(`File not present: ${String(body["fileName"])} ${String(body["fileId"])}`, "file_not_present");
  requireCap(p, "deleteFiles", file.bucketId, file.fileName);
  checkDeletable(file, p, body["bypassGovernance"] === true, state.clock.now());
  if (file.action === "start") await state.blobs.remove(await removeLargeFile(ctx, file));
  else {
    state.db.prepare("DELETE FROM files WHERE fileId = ?").run(file.fileId);
    // A version left in a deleted bucket (by an older server) still goes with its content; no bucket, no event.
    const bucket = findBucket(state, file.bucketId);
    if (bucket) state.notifications.emit(bucket, "b2:ObjectDeleted:Delete", file, state.clock.now());
    await state.blobs.remove(segmentsOf(file));
  }
  return { json: { fileId: file.fileId, fileName: file.fileName } };
}

async function copyFile(ctx: Ctx): Promise<{ json: unknown }> {
  const { state, body } = ctx;
  const p = principal(ctx);
  const source = lookup(ctx, body["sourceFileId"]);
  if (source.action !== "upload") throw badRequest(`Invalid sourceFileId: ${source.fileId}`);
  requireCap(p, "readFiles", source.bucketId, source.fileName);
  const bucket = body["destinationBucketId"] === undefined ? bucketById(state, source.bucketId) : bucketById(state, body["destinationBucketId"]);
  const fileName = checkFileName(body["fileName"]);
  requireCap(p, "writeFiles", bucket.bucketId, fileName);
  const directive = body["metadataDirective"] ?? "COPY";
  if (directive !== "COPY" && directive !== "REPLACE") throw badRequest("metadataDirective: COPY or REPLACE");
  if (directive === "COPY" && (body["contentType"] !== undefined || body["fileInfo"] !== undefined))
    throw badRequest("contentType and fileInfo must not be set when metadataDirective is COPY");
  if (directive === "REPLACE" && typeof body["contentType"] !== "string") throw badRequest("contentType: required when metadataDirective is REPLACE");
  const [start, end] = body["range"] === undefined ? [0, source.contentLength - 1] : parseRange(String(body["range"]), source.contentLength, true);
  const length = end - start + 1;
  if (length > state.limits.maxCopySize) throw badRequest(`Copy source too big: ${length}`, "source_too_large");
  const readKey = keyForRead(sseOf(source), sseFromJson(body["sourceServerSideEncryption"], "sourceServerSideEncryption"));
  const sse = effectiveSse(bucket, sseFromJson(body["destinationServerSideEncryption"], "destinationServerSideEncryption"));
  const now = state.clock.now();
  const retention = body["fileRetention"] !== undefined ? checkRetention(body["fileRetention"], now) : undefined;
  const hold = body["legalHold"] !== undefined ? checkLegalHold(body["legalHold"]) : undefined;
  const lock = lockForNewFile(bucket, p, retention, hold, now);
  const info = directive === "COPY" ? (JSON.parse(source.fileInfo) as Record<string, string>) : ((body["fileInfo"] ?? {}) as Record<string, string>);
  const fileInfo = checkFileInfo(info, fileName, sse.stored !== null || lockOf(bucket).isFileLockEnabled);
  const contentType = directive === "COPY" ? source.contentType : resolveContentType(String(body["contentType"]), fileName); // refused before any byte is stored
  const got = await state.blobs.copy(segmentsOf(source), start, end, readKey, atRestFor(sse.stored, sse.key));
  // Stamped when stored (after the copy), like an upload: the newest version has the newest timestamp.
  const storedAt = state.clock.now();
  const row = await storeNew(state, bucket.bucketId, [got.segment], {
    fileId: fileId(bucket.bucketId),
    bucketId: bucket.bucketId,
    fileName,
    action: "upload",
    contentLength: got.segment.length,
    contentSha1: got.sha1,
    contentMd5: got.md5,
    contentType,
    fileInfo: JSON.stringify(fileInfo),
    uploadTimestamp: storedAt,
    sse: sse.stored ? JSON.stringify(sse.stored) : null,
    retention: lock.retention ? JSON.stringify(lock.retention) : null,
    legalHold: lock.legalHold,
    segments: JSON.stringify([got.segment]),
  });
  state.notifications.emit(bucket, "b2:ObjectCreated:Copy", row, storedAt);
  return { json: fileJson(state, row, p, ctx.version, "copy") };
}

function lockedFile(ctx: Ctx, capability: string): { p: Principal; file: FileRow } {
  const p = principal(ctx);
  const file = lookup(ctx, ctx.body["fileId"]);
  if (file.fileName !== ctx.body["fileName"]) throw badRequest(`fileName does not match fileId ${file.fileId}`, "file_not_present");
  requireCap(p, capability, file.bucketId, file.fileName);
  if (!lockOf(bucketById(ctx.state, file.bucketId)).isFileLockEnabled) throw badRequest("The bucket is not file lock enabled", "bucket_missing_file_lock");
  return { p, file };
}

function updateRetention(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const { p, file } = lockedFile(ctx, "writeFileRetentions");
  const now = state.clock.now();
  const next = checkRetention(body["fileRetention"], now);
  const current = file.retention ? (JSON.parse(file.retention) as Retention) : null;
  if (current?.mode && current.retainUntilTimestamp !== null && current.retainUntilTimestamp > now) {
    const weaker = next.mode === null || (next.retainUntilTimestamp ?? 0) < current.retainUntilTimestamp || (current.mode === "compliance" && next.mode !== "compliance");
    if (weaker && current.mode === "compliance") throw accessDenied("compliance retention cannot be shortened or removed");
    if (weaker && (body["bypassGovernance"] !== true || !p.capabilities.has("bypassGovernance")))
      throw accessDenied("shortening governance retention requires bypassGovernance");
  }
  state.db.prepare("UPDATE files SET retention = ? WHERE fileId = ?").run(JSON.stringify(next), file.fileId);
  return { json: { fileId: file.fileId, fileName: file.fileName, fileRetention: next } };
}

function updateLegalHold(ctx: Ctx): { json: unknown } {
  const { file } = lockedFile(ctx, "writeFileLegalHolds");
  const hold = checkLegalHold(ctx.body["legalHold"]);
  ctx.state.db.prepare("UPDATE files SET legalHold = ? WHERE fileId = ?").run(hold, file.fileId);
  return { json: { fileId: file.fileId, fileName: file.fileName, legalHold: hold } };
}


function getDownloadAuthorization(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, body["bucketId"]);
  const prefix = body["fileNamePrefix"];
  if (typeof prefix !== "string") throw badRequest("fileNamePrefix: required");
  requireCap(p, "shareFiles", bucket.bucketId);
  requirePrefix(p, prefix);
  const duration = body["validDurationInSeconds"];
  if (typeof duration !== "number" || !Number.isInteger(duration) || duration < 1 || duration > 604_800)
    throw badRequest("validDurationInSeconds: an integer from 1 to 604800");
  const overrides: Record<string, string> = {};
  for (const [k, header] of Object.entries(OVERRIDE_HEADERS)) {
    const value = body[k];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw badRequest(`${k}: must be a string`);
    const problem = servedHeaderProblem(header, value);
    if (problem) throw badRequest(`${k}: ${problem}`);
    overrides[k] = value;
  }
  const token = `3_${randomBytes(24).toString("base64url")}`;
  state.db
    .prepare("INSERT INTO download_auths (token, keyId, bucketId, prefix, expires, overrides) VALUES (?, ?, ?, ?, ?, ?)")
    .run(token, p.keyId, bucket.bucketId, prefix, state.clock.now() + duration * 1000, JSON.stringify(overrides));
  return { json: { bucketId: bucket.bucketId, fileNamePrefix: prefix, authorizationToken: token } };
}

export const fileOps: Record<string, OpDef> = {
  b2_get_file_info: { kind: "json", auth: accountAuth, handler: getFileInfo },
  b2_hide_file: { kind: "json", auth: accountAuth, handler: hideFile },
  b2_delete_file_version: { kind: "json", auth: accountAuth, handler: deleteFileVersion },
  b2_copy_file: { kind: "json", auth: accountAuth, handler: copyFile },
  b2_update_file_retention: { kind: "json", auth: accountAuth, handler: updateRetention },
  b2_update_file_legal_hold: { kind: "json", auth: accountAuth, handler: updateLegalHold },
  b2_get_download_authorization: { kind: "json", auth: accountAuth, handler: getDownloadAuthorization },
};
