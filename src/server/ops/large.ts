/** Large files: start, part URLs, parts, copy part, list parts / unfinished, finish (checks), cancel. */
import { accountAuth, issueToken, listablePrefix, principal, requireCap, requirePrefix } from "../auth.js";
import type { Segment } from "../blobs.js";
import { badRequest } from "../errors.js";
import { checkLegalHold, checkRetention, lockForNewFile } from "../lock.js";
import { checkFileInfo, checkFileName, resolveContentType } from "../names.js";
import { bucketById, fileById, findBucket, lockOf, requireFile, requireLargeFile, segmentsOf, sseOf, type FileRow, type PartRow } from "../rows.js";
import { atRestFor, keyForRead, sseFromHeaders, sseFromJson } from "../sse.js";
import { newId } from "../state.js";
import type { Ctx, OpDef } from "../types.js";
import { fileJson, partJson } from "../wire.js";
import { receive } from "./body.js";
import { parseRange } from "./range.js";
import { pageSize } from "./paging.js";
import { effectiveSse, fileId, insertFile, uploadAuth } from "./upload.js";

function startLargeFile(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, body["bucketId"]);
  const fileName = checkFileName(body["fileName"]);
  requireCap(p, "writeFiles", bucket.bucketId, fileName);
  const contentType = body["contentType"];
  if (typeof contentType !== "string" || !contentType) throw badRequest("contentType: required");
  const sse = effectiveSse(bucket, sseFromJson(body["serverSideEncryption"], "serverSideEncryption"));
  const now = state.clock.now();
  const retention = body["fileRetention"] !== undefined ? checkRetention(body["fileRetention"], now) : undefined;
  const hold = body["legalHold"] !== undefined ? checkLegalHold(body["legalHold"]) : undefined;
  const lock = lockForNewFile(bucket, p, retention, hold, now);
  const info = (body["fileInfo"] ?? {}) as Record<string, string>;
  const fileInfo = checkFileInfo(info, fileName, sse.stored !== null || lockOf(bucket).isFileLockEnabled);
  const custom = body["customUploadTimestamp"];
  const row = insertFile(state, {
    fileId: fileId(bucket.bucketId),
    bucketId: bucket.bucketId,
    fileName,
    action: "start",
    contentLength: 0,
    contentSha1: "none",
    contentMd5: null,
    contentType: resolveContentType(contentType, fileName),
    fileInfo: JSON.stringify(fileInfo),
    uploadTimestamp: typeof custom === "number" ? custom : now,
    sse: sse.stored ? JSON.stringify(sse.stored) : null,
    retention: lock.retention ? JSON.stringify(lock.retention) : null,
    legalHold: lock.legalHold,
    segments: "[]",
  });
  return { json: fileJson(state, row, p, ctx.version) };
}

function getUploadPartUrl(ctx: Ctx): { json: unknown } {
  const { state } = ctx;
  const p = principal(ctx);
  const file = requireLargeFile(state, ctx.body["fileId"]);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const uploadUrlId = newId(8);
  ctx.uploadUrlId = uploadUrlId;
  const token = issueToken(state, "upload", p.keyId, file.fileId, uploadUrlId);
  return { json: { fileId: file.fileId, uploadUrl: `${state.url}/b2api/v${ctx.version}/b2_upload_part/${file.fileId}/${uploadUrlId}`, authorizationToken: token } };
}

function partNumber(value: unknown): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 10_000) throw badRequest("partNumber: an integer from 1 to 10000");
  return n;
}

/** Stores a part, replacing (and removing the content of) any earlier upload of the same number. */
async function savePart(ctx: Ctx, file: FileRow, part: PartRow): Promise<void> {
  const { state } = ctx;
  const old = state.db.prepare("SELECT segment FROM parts WHERE fileId = ? AND partNumber = ?").get(file.fileId, part.partNumber) as { segment: string } | undefined;
  state.db.transaction(() => {
    if (!state.db.prepare("SELECT 1 FROM files WHERE fileId = ? AND action = 'start'").get(file.fileId)) throw badRequest(`No active upload for: ${file.fileId}`);
    state.db
      .prepare("INSERT OR REPLACE INTO parts (fileId, partNumber, contentLength, contentSha1, contentMd5, uploadTimestamp, segment) VALUES (@fileId, @partNumber, @contentLength, @contentSha1, @contentMd5, @uploadTimestamp, @segment)")
      .run(part);
  })();
  if (old) await state.blobs.remove([JSON.parse(old.segment) as Segment]);
}

async function uploadPart(ctx: Ctx): Promise<{ json: unknown }> {
  const { state, req } = ctx;
  const p = principal(ctx);
  const file = requireLargeFile(state, ctx.params[0]);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const n = partNumber(req.headers["x-bz-part-number"]);
  const stored = sseOf(file);
  const key = stored?.mode === "SSE-C" ? keyForRead(stored, sseFromHeaders(req.headers)) : undefined;
  const got = await receive(state, req, state.limits.maxPartSize, atRestFor(stored, key));
  const part: PartRow = {
    fileId: file.fileId,
    partNumber: n,
    contentLength: got.segment.length,
    contentSha1: got.reportedSha1,
    contentMd5: got.md5,
    uploadTimestamp: state.clock.now(),
    segment: JSON.stringify(got.segment),
  };
  try {
    await savePart(ctx, file, part);
  } catch (error) {
    await state.blobs.remove([got.segment]);
    throw error;
  }
  return { json: partJson(part, stored) };
}

async function copyPart(ctx: Ctx): Promise<{ json: unknown }> {
  const { state, body } = ctx;
  const p = principal(ctx);
  const source = requireFile(state, body["sourceFileId"]);
  const file = requireLargeFile(state, body["largeFileId"]);
  requireCap(p, "readFiles", source.bucketId, source.fileName);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const n = partNumber(body["partNumber"]);
  const [start, end] = body["range"] === undefined ? [0, source.contentLength - 1] : parseRange(String(body["range"]), source.contentLength, true);
  if (end - start + 1 > state.limits.maxPartSize) throw badRequest("range: larger than the maximum part size");
  const readKey = keyForRead(sseOf(source), sseFromJson(body["sourceServerSideEncryption"], "sourceServerSideEncryption"));
  const stored = sseOf(file);
  const dest = sseFromJson(body["destinationServerSideEncryption"], "destinationServerSideEncryption");
  if (dest?.stored?.mode === "SSE-B2") throw badRequest("destinationServerSideEncryption: SSE-B2 is set in b2_start_large_file");
  const writeKey = stored?.mode === "SSE-C" ? keyForRead(stored, dest) : undefined;
  const got = await state.blobs.copy(segmentsOf(source), start, end, readKey, atRestFor(stored, writeKey));
  const part: PartRow = {
    fileId: file.fileId,
    partNumber: n,
    contentLength: got.segment.length,
    contentSha1: got.sha1,
    contentMd5: got.md5,
    uploadTimestamp: state.clock.now(),
    segment: JSON.stringify(got.segment),
  };
  try {
    await savePart(ctx, file, part);
  } catch (error) {
    // The large file was finished or cancelled during the copy: the copied content is nobody's.
    await state.blobs.remove([got.segment]);
    throw error;
  }
  return { json: partJson(part, stored) };
}

function finishLargeFile(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const file = requireLargeFile(state, body["fileId"]);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const sha1s = body["partSha1Array"];
  if (!Array.isArray(sha1s) || sha1s.length === 0) throw badRequest("partSha1Array: at least one part");
  const parts = state.db.prepare("SELECT * FROM parts WHERE fileId = ? ORDER BY partNumber").all(file.fileId) as PartRow[];
  for (let i = 0; i < sha1s.length; i++) {
    const part = parts[i];
    if (!part || part.partNumber !== i + 1) throw badRequest(`Part number ${i + 1} has not been uploaded`, "missing_part");
    const declared = String(sha1s[i]).toLowerCase();
    if (declared !== part.contentSha1.replace(/^unverified:/, "")) throw badRequest(`Part number ${i + 1} SHA-1 does not match`, "part_sha1_mismatch");
    if (i < sha1s.length - 1 && part.contentLength < state.limits.minPartSize)
      throw badRequest(`Part number ${i + 1} is smaller than the minimum part size ${state.limits.minPartSize}`);
  }
  if (parts.length > sha1s.length) throw badRequest(`partSha1Array has ${sha1s.length} entries but ${parts.length} parts were uploaded`);
  const segments = parts.map((part) => JSON.parse(part.segment) as Segment);
  const length = parts.reduce((n, part) => n + part.contentLength, 0);
  state.db.transaction(() => {
    state.db.prepare("UPDATE files SET action = 'upload', contentLength = ?, segments = ? WHERE fileId = ?").run(length, JSON.stringify(segments), file.fileId);
    state.db.prepare("DELETE FROM parts WHERE fileId = ?").run(file.fileId);
  })();
  const done: FileRow = { ...file, action: "upload", contentLength: length, segments: JSON.stringify(segments) };
  state.notifications.emit(bucketById(state, file.bucketId), "b2:ObjectCreated:MultipartUpload", done, state.clock.now());
  return { json: fileJson(state, done, p, ctx.version) };
}

async function cancelLargeFile(ctx: Ctx): Promise<{ json: unknown }> {
  const { state } = ctx;
  const p = principal(ctx);
  const file = requireLargeFile(state, ctx.body["fileId"]);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const segments = await removeLargeFile(ctx, file);
  await state.blobs.remove(segments);
  return { json: { accountId: state.accountId, bucketId: file.bucketId, fileId: file.fileId, fileName: file.fileName } };
}

/** Deletes an unfinished large file and its parts; returns the content to remove. */
export async function removeLargeFile(ctx: Ctx, file: FileRow): Promise<Segment[]> {
  const { state } = ctx;
  const parts = state.db.prepare("SELECT segment FROM parts WHERE fileId = ?").all(file.fileId) as { segment: string }[];
  state.db.transaction(() => {
    state.db.prepare("DELETE FROM parts WHERE fileId = ?").run(file.fileId);
    state.db.prepare("DELETE FROM files WHERE fileId = ?").run(file.fileId);
  })();
  return parts.map((x) => JSON.parse(x.segment) as Segment);
}

function listParts(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const file = requireLargeFile(state, body["fileId"]);
  requireCap(p, "writeFiles", file.bucketId, file.fileName);
  const max = pageSize(body["maxPartCount"], state.limits.partsPage, "maxPartCount");
  const start = body["startPartNumber"] === undefined ? 1 : partNumber(body["startPartNumber"]);
  const rows = state.db.prepare("SELECT * FROM parts WHERE fileId = ? AND partNumber >= ? ORDER BY partNumber LIMIT ?").all(file.fileId, start, max + 1) as PartRow[];
  const next = rows.length > max ? (rows.pop() as PartRow).partNumber : null;
  const sse = sseOf(file);
  return { json: { parts: rows.map((part) => partJson(part, sse)), nextPartNumber: next } };
}

function listUnfinished(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, body["bucketId"]);
  requireCap(p, "listFiles", bucket.bucketId);
  const asked = typeof body["namePrefix"] === "string" ? body["namePrefix"] : "";
  const prefix = listablePrefix(p, asked, ctx.version);
  const max = pageSize(body["maxFileCount"], state.limits.unfinishedPage, "maxFileCount");
  let startSeq = 0;
  if (body["startFileId"] !== undefined) {
    const start = state.db.prepare("SELECT seq FROM files WHERE fileId = ? AND bucketId = ?").get(body["startFileId"], bucket.bucketId) as { seq: number } | undefined;
    if (!start) throw badRequest(`startFileId: unknown file ${String(body["startFileId"])}`, "invalid_file_id");
    startSeq = start.seq;
  }
  // nextFileName: sent by the live service (always null here, as recorded), though undocumented.
  if (prefix === undefined) return { json: { files: [], nextFileId: null, nextFileName: null } };
  const rows = state.db
    .prepare("SELECT * FROM files WHERE bucketId = ? AND action = 'start' AND seq >= ? AND substr(fileName, 1, length(?)) = ? ORDER BY seq LIMIT ?")
    .all(bucket.bucketId, startSeq, prefix, prefix, max + 1) as FileRow[];
  const next = rows.length > max ? (rows.pop() as FileRow).fileId : null;
  return { json: { files: rows.map((f) => fileJson(state, f, p, ctx.version)), nextFileId: next, nextFileName: null } };
}

export const largeOps: Record<string, OpDef> = {
  b2_start_large_file: { kind: "json", auth: accountAuth, handler: startLargeFile },
  b2_get_upload_part_url: { kind: "json", auth: accountAuth, handler: getUploadPartUrl },
  b2_upload_part: { kind: "raw", auth: (ctx) => uploadAuth(ctx, findBucket(ctx.state, fileById(ctx.state, ctx.params[0])?.bucketId)), handler: uploadPart },
  b2_copy_part: { kind: "json", auth: accountAuth, handler: copyPart },
  b2_finish_large_file: { kind: "json", auth: accountAuth, handler: finishLargeFile },
  b2_cancel_large_file: { kind: "json", auth: accountAuth, handler: cancelLargeFile },
  b2_list_parts: { kind: "json", auth: accountAuth, handler: listParts },
  b2_list_unfinished_large_files: { kind: "json", auth: accountAuth, handler: listUnfinished },
};
