/**
 * Sending bytes to B2 upload URLs: the headers an upload needs, and B2's upload retry rule —
 * on 5xx, 408, 401, a reset or a stall, drop the URL and retry on a NEW one (up to 5 URLs);
 * 429 waits and retries on the same URL; anything else (403 cap_exceeded…) is thrown at once.
 */
import { createHash } from "node:crypto";
import { B2Error, ClientClosed, ValidationError, errorFromBody } from "../errors.js";
import { bodyText, bulkRequest, bulkTransport, headersOf } from "./bulk-http.js";
import type { FileModel, PartModel, ServerSideEncryption, UploadSettings, UploadUrlModel } from "../models.js";
import type { Context } from "./context.js";
import { b2Encode } from "./encoding.js";
import { Attempt, errorFromResponse, jsonOrUndefined, retryAfterSeconds } from "./http.js";
import { backoffMs, BUDGET_SPENT, exhausted, spendRetry } from "./retry.js";
import type { UploadUrlPool } from "./upload-pool.js";
import { checkCustomerKey, customerKeyMd5 } from "./sse.js";
import { checkContentType, checkFileInfo, checkFileName, checkInfoBudget, checkLastModifiedMillis } from "./validate.js";

/** B2 recommends trying five different upload URLs before giving up. */
export const MAX_UPLOAD_URLS = 5;

export function sha1Hex(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

/** SSE headers of an upload, part or download (SSE-C needs the key on every part); a bad key is a ValidationError. */
export function sseHeaders(sse: ServerSideEncryption | undefined, operation?: string): Record<string, string> {
  if (!sse) return {};
  if (sse.mode === "SSE-B2") return { "X-Bz-Server-Side-Encryption": sse.algorithm ?? "AES256" };
  checkCustomerKey(sse, operation);
  return {
    "X-Bz-Server-Side-Encryption-Customer-Algorithm": sse.algorithm ?? "AES256",
    "X-Bz-Server-Side-Encryption-Customer-Key": sse.customerKey,
    "X-Bz-Server-Side-Encryption-Customer-Key-Md5": sse.customerKeyMd5 ?? customerKeyMd5(sse.customerKey),
  };
}

/** The file info B2 stores for these settings (custom info plus the b2-* header infos). */
export function fileInfoOf(settings: UploadSettings, extra: Record<string, string> = {}): Record<string, string> {
  const info: Record<string, string> = { ...settings.fileInfo };
  if (settings.lastModified !== undefined) info["src_last_modified_millis"] = String(Math.trunc(settings.lastModified));
  if (settings.contentDisposition !== undefined) info["b2-content-disposition"] = settings.contentDisposition;
  if (settings.contentLanguage !== undefined) info["b2-content-language"] = settings.contentLanguage;
  if (settings.expires !== undefined) info["b2-expires"] = settings.expires;
  if (settings.cacheControl !== undefined) info["b2-cache-control"] = settings.cacheControl;
  if (settings.contentEncoding !== undefined) info["b2-content-encoding"] = settings.contentEncoding;
  return { ...info, ...extra };
}

/** Validates settings and builds the headers of a simple upload (all but the SHA-1). */
export function uploadHeaders(settings: UploadSettings, operation: string): Record<string, string> {
  checkFileName(settings.fileName, operation);
  // The custom info and the b2-* infos the settings make (contentDisposition…), checked alike.
  checkFileInfo(fileInfoOf(settings), operation);
  if (settings.contentType !== undefined) checkContentType(settings.contentType, operation);
  const headers: Record<string, string> = {
    "X-Bz-File-Name": b2Encode(settings.fileName),
    "Content-Type": settings.contentType ?? "b2/x-auto",
  };
  const info = fileInfoOf(settings);
  if (info["src_last_modified_millis"] !== undefined) checkLastModifiedMillis(info["src_last_modified_millis"], operation);
  for (const [k, v] of Object.entries(info)) headers[`X-Bz-Info-${k}`] = b2Encode(v);
  Object.assign(headers, sseHeaders(settings.serverSideEncryption, operation));
  if (settings.fileRetention?.mode) {
    headers["X-Bz-File-Retention-Mode"] = settings.fileRetention.mode;
    if (settings.fileRetention.retainUntilTimestamp !== null) {
      headers["X-Bz-File-Retention-Retain-Until-Timestamp"] = String(settings.fileRetention.retainUntilTimestamp);
    }
  }
  if (settings.legalHold !== undefined) headers["X-Bz-File-Legal-Hold"] = settings.legalHold;
  const strict = settings.serverSideEncryption !== undefined || settings.fileRetention !== undefined || settings.legalHold !== undefined;
  checkInfoBudget(settings.fileName, fileInfoOf(settings), strict, operation);
  return headers;
}

/**
 * Errors after which B2 says: get a new upload URL and try again — 5xx, 408, no response, and a
 * 401 about the upload token itself. A 401 `unauthorized` (the key may not write there) is final.
 */
export function needsNewUploadUrl(error: unknown): boolean {
  if (!(error instanceof B2Error) || error instanceof ClientClosed) return false;
  if (error.status === 401) return error.code === "expired_auth_token" || error.code === "bad_auth_token";
  return error.status === 0 || error.status === 408 || error.status >= 500;
}

const UPLOAD_URL = /^(.*?)\/b2api\/v\d+\/(b2_upload_file|b2_upload_part)\/([^/]+)\/(.+)$/;

/**
 * What an upload sends: bytes in memory, or a body of known length that can be opened again for
 * each attempt (a file range streamed from disk, never held whole).
 */
export type UploadBody = Uint8Array | StreamedBody;

export interface StreamedBody {
  readonly length: number;
  open(): AsyncIterable<Uint8Array>;
}

/** Below this, a body goes as one buffer; above, as a stream (fetch copies buffer bodies). */
const STREAM_ABOVE = 1 << 20;

export function bodyLength(body: UploadBody): number {
  return body instanceof Uint8Array ? body.byteLength : body.length;
}

/** The body's chunks, re-arming the attempt's timeout as each is taken: a stalled send times out. */
async function* touching(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, attempt: Attempt): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    attempt.touch();
    yield chunk;
  }
}

/**
 * POSTs `body` to an upload URL; one attempt. Over node:http unless the user gave a `fetch`
 * (see bulk-http.ts for why); through openapi-fetch otherwise.
 */
async function postToUploadUrl<T>(
  ctx: Context,
  url: UploadUrlModel,
  operation: "b2_upload_file" | "b2_upload_part",
  headers: Record<string, string>,
  body: UploadBody,
  signal: AbortSignal | undefined,
): Promise<T> {
  const match = UPLOAD_URL.exec(url.uploadUrl);
  if (!match || match[2] !== operation) {
    throw new ValidationError(`unexpected ${operation} URL from B2: ${url.uploadUrl.replace(/\?.*$/, "")}`, operation);
  }
  const attempt = new Attempt(ctx.options.timeoutMs, signal, ctx.options.closed);
  // Parts carry no type of their own; without one openapi-fetch would announce JSON.
  const all = { "Content-Type": "application/octet-stream", ...headers, Authorization: url.authorizationToken };
  try {
    return bulkTransport(ctx)
      ? await postWithNode<T>(ctx, url.uploadUrl, operation, all, body, attempt)
      : await postWithFetch<T>(ctx, match, operation, all, body, attempt);
  } catch (e) {
    throw e instanceof B2Error ? e : (sourceFailure(e) ?? attempt.failure(e, operation));
  } finally {
    attempt.done();
  }
}

async function postWithNode<T>(ctx: Context, url: string, operation: string, headers: Record<string, string>, body: UploadBody, attempt: Attempt): Promise<T> {
  const chunks = touching(body instanceof Uint8Array ? [body] : body.open(), attempt);
  const response = await bulkRequest(ctx, { method: "POST", url, headers, body: { length: bodyLength(body), chunks }, signal: attempt.signal });
  const parsed = jsonOrUndefined(await bodyText(response));
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) throw errorFromBody(status, parsed, operation, retryAfterSeconds({ headers: headersOf(response) }));
  return parsed as T;
}

async function postWithFetch<T>(
  ctx: Context,
  match: RegExpExecArray,
  operation: "b2_upload_file" | "b2_upload_part",
  headers: Record<string, string>,
  body: UploadBody,
  attempt: Attempt,
): Promise<T> {
  const [, baseUrl = "", , first = "", rest = ""] = match;
  const length = bodyLength(body);
  const streamed = !(body instanceof Uint8Array) || length > STREAM_ABOVE;
  const init = {
    baseUrl,
    // B2 refuses chunked bodies: a stream goes with its length.
    headers: { ...headers, ...(streamed ? { "Content-Length": String(length) } : {}) },
    body: (streamed ? touching(body instanceof Uint8Array ? [body] : body.open(), attempt) : body) as never,
    ...(streamed ? { duplex: "half" } : {}),
    bodySerializer: (b: unknown) => b,
    signal: attempt.signal,
  };
  const client = ctx.client as unknown as { POST(path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }> };
  const { data, error, response } =
    operation === "b2_upload_file"
      ? await client.POST("/b2api/v4/b2_upload_file/{bucketId}/{uploadTarget}", { ...init, params: { path: { bucketId: decodeURIComponent(first), uploadTarget: decodeURIComponent(rest) } } })
      : await client.POST("/b2api/v4/b2_upload_part/{fileId}/{uploadTarget}", { ...init, params: { path: { fileId: decodeURIComponent(first), uploadTarget: decodeURIComponent(rest) } } });
  if (!response.ok) throw await errorFromResponse(response, error, operation);
  return data as T;
}

/** A failure of the body's own source (e.g. the file shrank), found in the transport error's causes. */
function sourceFailure(error: unknown): ValidationError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ValidationError) return e;
  }
  return undefined;
}

export interface UploadTarget {
  operation: "b2_upload_file" | "b2_upload_part";
  pool: UploadUrlPool;
  /** Pool key: the bucket id (files) or the large file id (parts). */
  key: string;
  /** Fetches a new URL (itself retried as a JSON call). */
  fetchUrl: () => Promise<UploadUrlModel>;
  /**
   * After an ambiguous failure (no response: the upload may have landed), looks for the result
   * of the lost attempt before sending again, so a retry does not create a duplicate.
   */
  reconcile?: () => Promise<FileModel | PartModel | undefined>;
}

/** Uploads `body` with B2's URL-rotation rule; returns B2's JSON answer. */
export async function sendWithRotation<T extends FileModel | PartModel>(
  ctx: Context,
  target: UploadTarget,
  headers: Record<string, string>,
  body: UploadBody,
  signal?: AbortSignal,
): Promise<T> {
  let last: unknown;
  let url: UploadUrlModel | undefined;
  // maxAttempts bounds the URLs tried (B2's five at most) and, three 429s a URL, the attempts;
  // 1 disables retries, as for every other call.
  const maxUrls = Math.min(MAX_UPLOAD_URLS, ctx.policy.maxAttempts);
  const maxTries = ctx.policy.maxAttempts <= 1 ? 1 : maxUrls * 3;
  let tries = 0;
  for (let urls = 0; urls < maxUrls && tries < maxTries; tries++) {
    if (!url) {
      url = target.pool.take(target.key) ?? (await target.fetchUrl());
      urls++;
    }
    try {
      const result = await postToUploadUrl<T>(ctx, url, target.operation, headers, body, signal);
      target.pool.give(target.key, url);
      return result;
    } catch (error) {
      if (signal?.aborted || maxTries === 1) throw error;
      last = error;
      if (error instanceof B2Error && error.status === 429) {
        if (!spendRetry(ctx.policy)) throw exhausted(target.operation, tries + 1, error, BUDGET_SPENT);
        await ctx.policy.sleep(backoffMs(tries + 1, ctx.policy, error.retryAfter), signal);
        continue; // same URL
      }
      if (!needsNewUploadUrl(error)) throw error;
      if (!spendRetry(ctx.policy)) throw exhausted(target.operation, tries + 1, error, BUDGET_SPENT);
      if ((error as B2Error).status === 0 && target.reconcile) {
        const landed = await target.reconcile().catch(() => undefined);
        if (landed) {
          ctx.policy.log?.(`${target.operation}: the lost attempt had landed; not sending again`);
          return landed as T;
        }
      }
      ctx.policy.log?.(`${target.operation}: ${(error as B2Error).status} ${(error as B2Error).code}; dropping the upload URL`);
      url = undefined;
      // Back off before the next URL too (Retry-After when B2 gives one): a struggling pod is not hammered.
      await ctx.policy.sleep(backoffMs(tries + 1, ctx.policy, (error as B2Error).retryAfter), signal);
    }
  }
  throw exhausted(target.operation, tries, last);
}
