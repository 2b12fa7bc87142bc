/** Downloads by id and by name (GET and HEAD): auth incl. download-authorization tokens, ranges, B2 headers. */
import { authenticate, principalOf, keyRow, requireCap, type Principal } from "../auth.js";
import { applyCors } from "../cors.js";
import { B2Fail, badRequest } from "../errors.js";
import { decodeHeader, encodeHeader } from "../names.js";
import { bucketById, bucketByName, fileById, findBucket, lockOf, segmentsOf, sseOf, type BucketRow, type FileRow } from "../rows.js";
import { keyForRead, sseFromHeaders } from "../sse.js";
import type { ServerState } from "../state.js";
import type { Ctx, OpDef, Result } from "../types.js";
import { lookup } from "./files.js";
import { parseRange } from "./range.js";
import { INFO_HEADERS, OVERRIDE_HEADERS, servedHeaderProblem } from "../../header-grammar.js";

interface DownloadAuth {
  token: string;
  keyId: string;
  bucketId: string;
  prefix: string;
  expires: number;
  overrides: string;
}

interface Access {
  principal: Principal | null;
  overrides: Record<string, string>;
}

/** Download authorizations resolved by `downloadAuth` (by name only), per request. */
const downloadAuths = new WeakMap<Ctx, DownloadAuth>();

/**
 * The `auth` of the downloads, before validation: a token, when given, must be a valid account token or (by name
 * only) a live download authorization. Without one, the bucket decides (public or 401) once the file is known.
 */
function downloadAuth(ctx: Ctx, allowDownloadAuth: boolean): void {
  const { state } = ctx;
  const token = ctx.req.headers.authorization ?? (allowDownloadAuth ? (ctx.url.searchParams.get("Authorization") ?? undefined) : undefined);
  if (!token) return;
  const auth = state.db.prepare("SELECT * FROM download_auths WHERE token = ?").get(token) as DownloadAuth | undefined;
  if (auth) {
    if (!allowDownloadAuth) throw new B2Fail(401, "bad_auth_token", "download authorization tokens are only valid for downloads by name");
    if (auth.expires <= state.clock.now()) throw new B2Fail(401, "expired_auth_token", "download authorization has expired");
    downloadAuths.set(ctx, auth);
    return;
  }
  ctx.principal = authenticate(state, token, "account");
}

/** Who may read `fileName` in `bucket`: account token (readFiles), download-authorization token (by name), or public. */
function access(ctx: Ctx, bucket: BucketRow, fileName: string): Access {
  const auth = downloadAuths.get(ctx);
  if (auth) {
    if (auth.bucketId !== bucket.bucketId || !fileName.startsWith(auth.prefix)) throw new B2Fail(401, "unauthorized", "download authorization does not cover this file");
    const key = keyRow(ctx.state, auth.keyId);
    if (!key) throw new B2Fail(401, "bad_auth_token", "download authorization is no longer valid");
    return { principal: principalOf(key), overrides: JSON.parse(auth.overrides) as Record<string, string> };
  }
  if (ctx.principal) {
    requireCap(ctx.principal, "readFiles", bucket.bucketId, fileName);
    return { principal: ctx.principal, overrides: {} };
  }
  if (bucket.bucketType === "allPublic") return { principal: null, overrides: {} };
  throw new B2Fail(401, "missing_auth_token", "Authorization is required to download from a private bucket");
}

function headersFor(state: ServerState, ctx: Ctx, bucket: BucketRow, file: FileRow, a: Access): Record<string, string | number> {
  const info = JSON.parse(file.fileInfo) as Record<string, string>;
  const h: Record<string, string | number> = {
    "Content-Type": file.contentType ?? "application/octet-stream",
    "Accept-Ranges": "bytes",
    "X-Bz-File-Id": file.fileId,
    "X-Bz-File-Name": encodeHeader(file.fileName),
    "X-Bz-Content-Sha1": file.contentSha1 ?? "none",
    "X-Bz-Upload-Timestamp": String(file.uploadTimestamp),
  };
  const bucketCache = (JSON.parse(bucket.bucketInfo) as Record<string, string>)["Cache-Control"];
  if (bucketCache) h["Cache-Control"] = bucketCache;
  for (const [k, v] of Object.entries(info)) {
    const real = INFO_HEADERS[k];
    // Values are checked when stored; one a store from before that check kept is left out, not a 500.
    if (real) {
      if (!servedHeaderProblem(real, v)) h[real] = v;
    } else h[`X-Bz-Info-${k}`] = encodeHeader(v);
  }
  for (const [q, header] of Object.entries(OVERRIDE_HEADERS)) {
    const given = ctx.url.searchParams.get(q);
    const fromAuth = a.overrides[q];
    if (fromAuth !== undefined && given !== null && given !== fromAuth) throw badRequest(`${q}: must match the download authorization`);
    const value = given ?? fromAuth;
    if (value === undefined || value === null) continue;
    const problem = servedHeaderProblem(header, value);
    if (problem) throw badRequest(`${q}: ${problem}`);
    h[header] = value;
  }
  const sse = sseOf(file);
  if (sse?.mode === "SSE-B2") h["X-Bz-Server-Side-Encryption"] = "AES256";
  if (sse?.mode === "SSE-C") {
    h["X-Bz-Server-Side-Encryption-Customer-Algorithm"] = "AES256";
    h["X-Bz-Server-Side-Encryption-Customer-Key-Md5"] = sse.customerKeyMd5 ?? "";
  }
  if (lockOf(bucket).isFileLockEnabled) {
    const caps = a.principal?.capabilities;
    const hidden: string[] = [];
    const retention = file.retention ? (JSON.parse(file.retention) as { mode: string | null; retainUntilTimestamp: number | null }) : null;
    if (caps?.has("readFileRetentions")) {
      if (retention?.mode) {
        h["X-Bz-File-Retention-Mode"] = retention.mode;
        h["X-Bz-File-Retention-Retain-Until-Timestamp"] = String(retention.retainUntilTimestamp);
      }
    } else hidden.push("X-Bz-File-Retention-Mode", "X-Bz-File-Retention-Retain-Until-Timestamp");
    if (caps?.has("readFileLegalHolds")) {
      if (file.legalHold) h["X-Bz-File-Legal-Hold"] = file.legalHold;
    } else hidden.push("X-Bz-File-Legal-Hold");
    if (hidden.length) h["X-Bz-Client-Unauthorized-To-Read"] = hidden.join(",");
  }
  return h;
}

function serve(ctx: Ctx, bucket: BucketRow, file: FileRow, a: Access): Result {
  const { state } = ctx;
  applyCors(ctx.req, ctx.res, bucket, ctx.op);
  const key = keyForRead(sseOf(file), sseFromHeaders(ctx.req.headers));
  const headers = headersFor(state, ctx, bucket, file, a);
  const size = file.contentLength;
  // An empty file has no byte to serve: any valid range is unsatisfiable (416), as on B2.
  const range = parseRange(ctx.req.headers.range, size);
  const [start, end] = range ?? [0, size - 1];
  headers["Content-Length"] = end - start + 1;
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  // Read from here, the tick the row was looked up in: content deleted from now on is kept until this read ends.
  const stream = ctx.method === "HEAD" || size === 0 ? null : state.blobs.read(segmentsOf(file), start, end, key);
  // Ended with the response, even when nothing consumes it (a dropped connection): its hold on the content goes.
  if (stream) ctx.res.once("close", () => stream.destroy());
  return { status: range ? 206 : 200, headers, stream };
}

function byId(ctx: Ctx): Result {
  const id = ctx.body["fileId"];
  if (typeof id !== "string") throw badRequest("fileId: required");
  const file = lookup(ctx, id);
  if (file.action !== "upload") throw new B2Fail(404, "not_found", `File not present: ${id}`);
  const bucket = bucketById(ctx.state, file.bucketId);
  applyCors(ctx.req, ctx.res, bucket, ctx.op);
  return serve(ctx, bucket, file, access(ctx, bucket, file.fileName));
}

function byName(ctx: Ctx): Result {
  const { state } = ctx;
  const bucketName = decodeHeader(ctx.params[0] ?? "", "bucketName");
  const fileName = decodeHeader(ctx.params[1] ?? "", "fileName");
  const bucket = bucketByName(state, bucketName);
  if (!bucket) throw new B2Fail(404, "not_found", `Bucket does not exist: ${bucketName}`);
  applyCors(ctx.req, ctx.res, bucket, ctx.op);
  const a = access(ctx, bucket, fileName);
  const file = state.db
    .prepare("SELECT * FROM files WHERE bucketId = ? AND fileName = ? AND action != 'start' ORDER BY seq DESC LIMIT 1")
    .get(bucket.bucketId, fileName) as FileRow | undefined;
  if (!file || file.action !== "upload") throw new B2Fail(404, "not_found", `File with such name does not exist: ${fileName}`);
  return serve(ctx, bucket, file, a);
}

/** CORS headers of the bucket named in the path (so a browser can read a 401), then the token. */
function byNameAuth(ctx: Ctx): void {
  let bucket: BucketRow | undefined;
  try {
    bucket = bucketByName(ctx.state, decodeHeader(ctx.params[0] ?? "", "bucketName"));
  } catch {
    /* a malformed name: the handler answers it */
  }
  if (bucket) applyCors(ctx.req, ctx.res, bucket, ctx.op);
  downloadAuth(ctx, true);
}

/** CORS headers of the file's bucket when the query names the file (GET; a POST body is read later), then the token. */
function byIdAuth(ctx: Ctx): void {
  const bucket = findBucket(ctx.state, fileById(ctx.state, ctx.url.searchParams.get("fileId"))?.bucketId);
  if (bucket) applyCors(ctx.req, ctx.res, bucket, ctx.op);
  downloadAuth(ctx, false);
}

export const downloadOps: Record<string, OpDef> = {
  b2_download_file_by_id: { kind: "json", auth: byIdAuth, handler: byId },
  b2_download_file_by_name: { kind: "raw", auth: byNameAuth, handler: byName },
};
