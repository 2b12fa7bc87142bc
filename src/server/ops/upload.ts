/** Simple uploads: b2_get_upload_url and b2_upload_file (on the URL it returned, with its own token). */
import type { IncomingHttpHeaders } from "node:http";
import { accountAuth, authenticate, issueToken, principal, requireCap, type Principal } from "../auth.js";
import { applyCors } from "../cors.js";
import { B2Fail, badRequest } from "../errors.js";
import { checkLegalHold, lockForNewFile, retentionFromHeaders } from "../lock.js";
import { checkFileInfo, checkFileName, decodeHeader, resolveContentType } from "../names.js";
import { bucketById, findBucket, lockOf, type BucketRow, type FileRow } from "../rows.js";
import { atRestFor, sseFromHeaders, type SseChoice } from "../sse.js";
import type { Segment } from "../blobs.js";
import { newId, type ServerState } from "../state.js";
import type { Ctx, OpDef } from "../types.js";
import { fileJson } from "../wire.js";
import { receive } from "./body.js";

function getUploadUrl(ctx: Ctx): { json: unknown } {
  const { state } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, ctx.body["bucketId"]);
  requireCap(p, "writeFiles", bucket.bucketId);
  const uploadUrlId = newId(8);
  ctx.uploadUrlId = uploadUrlId;
  const token = issueToken(state, "upload", p.keyId, bucket.bucketId, uploadUrlId);
  return {
    json: { bucketId: bucket.bucketId, uploadUrl: `${state.url}/b2api/v${ctx.version}/b2_upload_file/${bucket.bucketId}/${uploadUrlId}`, authorizationToken: token },
  };
}

/**
 * The `auth` of the upload operations: CORS headers of the target's bucket first (so a browser can read a 401),
 * then the upload token, which must belong to this URL (its target and id).
 */
export function uploadAuth(ctx: Ctx, bucket: BucketRow | undefined): void {
  if (bucket) applyCors(ctx.req, ctx.res, bucket, ctx.op);
  ctx.principal = uploadPrincipal(ctx);
}

function uploadPrincipal(ctx: Ctx): Principal {
  const p = authenticate(ctx.state, ctx.req.headers.authorization, "upload");
  if (p.uploadTarget !== ctx.params[0] || p.uploadUrlId !== ctx.params[1]) throw new B2Fail(401, "bad_auth_token", "authorization token does not belong to this upload URL");
  // B2 allows one upload at a time per upload URL token.
  const token = ctx.req.headers.authorization as string;
  const busy = ctx.state.uploadsInFlight;
  if (busy.has(token)) throw badRequest("more than one upload using auth token at the same time", "auth_token_limit");
  busy.add(token);
  ctx.res.once("close", () => busy.delete(token));
  return p;
}

/** X-Bz-Info-* headers, decoded. */
export function infoFromHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const info: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith("x-bz-info-") || typeof value !== "string") continue;
    const key = name.slice("x-bz-info-".length);
    info[key] = decodeHeader(value, `X-Bz-Info-${key}`);
  }
  return info;
}

/** Bucket default SSE applies when the request names none. */
export function effectiveSse(bucket: BucketRow, given: SseChoice | undefined): SseChoice {
  if (given) return given;
  const def = JSON.parse(bucket.defaultSse) as { mode: string | null };
  return { stored: def.mode === "SSE-B2" ? { mode: "SSE-B2", algorithm: "AES256" } : null };
}

export function fileId(bucketId: string): string {
  return `4_z${bucketId}_f${newId(10)}`;
}

export function insertFile(state: ServerState, row: Omit<FileRow, "seq">): FileRow {
  const info = state.db
    .prepare(
      "INSERT INTO files (fileId, bucketId, fileName, action, contentLength, contentSha1, contentMd5, contentType, fileInfo, uploadTimestamp, sse, retention, legalHold, segments) VALUES (@fileId, @bucketId, @fileName, @action, @contentLength, @contentSha1, @contentMd5, @contentType, @fileInfo, @uploadTimestamp, @sse, @retention, @legalHold, @segments)",
    )
    .run(row);
  return { ...row, seq: Number(info.lastInsertRowid) };
}

async function uploadFile(ctx: Ctx): Promise<{ json: unknown }> {
  const { state, req } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, ctx.params[0]);
  const rawName = req.headers["x-bz-file-name"];
  if (typeof rawName !== "string") throw badRequest("X-Bz-File-Name: required");
  const fileName = checkFileName(decodeHeader(rawName, "X-Bz-File-Name"), "X-Bz-File-Name");
  requireCap(p, "writeFiles", bucket.bucketId, fileName);
  const rawType = req.headers["content-type"];
  if (typeof rawType !== "string" || !rawType) throw badRequest("Content-Type: required");
  const sse = effectiveSse(bucket, sseFromHeaders(req.headers));
  const now = state.clock.now();
  const hold = req.headers["x-bz-file-legal-hold"];
  const lock = lockForNewFile(bucket, p, retentionFromHeaders(req.headers, now), hold === undefined ? undefined : checkLegalHold(hold, "X-Bz-File-Legal-Hold"), now);
  const strict = sse.stored !== null || lockOf(bucket).isFileLockEnabled;
  const fileInfo = checkFileInfo(infoFromHeaders(req.headers), fileName, strict, (key) => `X-Bz-Info-${key}`);
  const custom = req.headers["x-bz-custom-upload-timestamp"];
  const contentType = resolveContentType(rawType, fileName); // refused before any byte is stored
  const got = await receive(state, req, state.limits.maxUploadSize, atRestFor(sse.stored, sse.key));
  // Stamped when stored, not when the body began: the newest version (the last stored) has the newest timestamp.
  const storedAt = state.clock.now();
  const stamp = typeof custom === "string" && /^\d+$/.test(custom) ? Number(custom) : storedAt;
  const row = await storeNew(state, bucket.bucketId, [got.segment], {
    fileId: fileId(bucket.bucketId),
    bucketId: bucket.bucketId,
    fileName,
    action: "upload",
    contentLength: got.segment.length,
    contentSha1: got.reportedSha1,
    contentMd5: got.md5,
    contentType,
    fileInfo: JSON.stringify(fileInfo),
    uploadTimestamp: stamp,
    sse: sse.stored ? JSON.stringify(sse.stored) : null,
    retention: lock.retention ? JSON.stringify(lock.retention) : null,
    legalHold: lock.legalHold,
    segments: JSON.stringify([got.segment]),
  });
  state.notifications.emit(bucket, "b2:ObjectCreated:Upload", row, storedAt);
  return { json: fileJson(state, row, p, ctx.version) };
}

/**
 * Commits a new file version whose content (`written`) was stored while the request waited for a body or a copy:
 * the bucket is checked again in the same transaction, since it may have been deleted meanwhile (400 bad_bucket_id,
 * as for an unknown bucket). When nothing is committed, the content is removed.
 */
export async function storeNew(state: ServerState, bucketId: string, written: Segment[], row: Omit<FileRow, "seq">): Promise<FileRow> {
  try {
    return state.db.transaction(() => {
      bucketById(state, bucketId);
      return insertFile(state, row);
    })();
  } catch (error) {
    await state.blobs.remove(written);
    throw error;
  }
}

export const uploadOps: Record<string, OpDef> = {
  b2_get_upload_url: { kind: "json", auth: accountAuth, handler: getUploadUrl },
  b2_upload_file: { kind: "raw", auth: (ctx) => uploadAuth(ctx, findBucket(ctx.state, ctx.params[0])), handler: uploadFile },
};
