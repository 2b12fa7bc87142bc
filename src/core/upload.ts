/**
 * Sending bytes to B2 upload URLs: the headers an upload needs, and B2's upload retry rule —
 * on 5xx, 408, 401, a reset or a stall, drop the URL and retry on a NEW one (up to 5 URLs);
 * 429 waits and retries on the same URL; anything else (403 cap_exceeded…) is thrown at once.
 */
import { createHash } from "node:crypto";
import { B2Error, ValidationError } from "../errors.js";
import type { FileModel, PartModel, ServerSideEncryption, UploadSettings, UploadUrlModel } from "../models.js";
import type { Context } from "./context.js";
import { b2Encode } from "./encoding.js";
import { Attempt, errorFromResponse } from "./http.js";
import { backoffMs, BUDGET_SPENT, exhausted, spendRetry } from "./retry.js";
import type { UploadUrlPool } from "./upload-pool.js";
import { checkFileInfo, checkFileName, checkInfoBudget } from "./validate.js";

/** B2 recommends trying five different upload URLs before giving up. */
export const MAX_UPLOAD_URLS = 5;

export function sha1Hex(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

function md5Base64(base64Key: string): string {
  return createHash("md5").update(Buffer.from(base64Key, "base64")).digest("base64");
}

/** SSE headers of an upload or part (SSE-C needs the key on every part). */
export function sseHeaders(sse: ServerSideEncryption | undefined): Record<string, string> {
  if (!sse) return {};
  if (sse.mode === "SSE-B2") return { "X-Bz-Server-Side-Encryption": sse.algorithm ?? "AES256" };
  return {
    "X-Bz-Server-Side-Encryption-Customer-Algorithm": sse.algorithm ?? "AES256",
    "X-Bz-Server-Side-Encryption-Customer-Key": sse.customerKey,
    "X-Bz-Server-Side-Encryption-Customer-Key-Md5": sse.customerKeyMd5 ?? md5Base64(sse.customerKey),
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
  checkFileInfo(settings.fileInfo, operation);
  const headers: Record<string, string> = {
    "X-Bz-File-Name": b2Encode(settings.fileName),
    "Content-Type": settings.contentType ?? "b2/x-auto",
  };
  const info = fileInfoOf(settings);
  // As a header B2 takes only a base-10 millisecond count here (the spec's pattern).
  const millis = Object.entries(info).find(([k]) => k.toLowerCase() === "src_last_modified_millis")?.[1];
  if (millis !== undefined && !/^[0-9]{1,19}$/.test(millis)) {
    throw new ValidationError(`invalid fileInfo src_last_modified_millis ${JSON.stringify(millis)}: a base-10 count of milliseconds`, operation);
  }
  for (const [k, v] of Object.entries(info)) headers[`X-Bz-Info-${k}`] = b2Encode(v);
  Object.assign(headers, sseHeaders(settings.serverSideEncryption));
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
  if (!(error instanceof B2Error)) return false;
  if (error.status === 401) return error.code === "expired_auth_token" || error.code === "bad_auth_token";
  return error.status === 0 || error.status === 408 || error.status >= 500;
}

const UPLOAD_URL = /^(.*?)\/b2api\/v\d+\/(b2_upload_file|b2_upload_part)\/([^/]+)\/(.+)$/;

/** POSTs `body` to an upload URL with openapi-fetch; one attempt. */
async function postToUploadUrl<T>(
  ctx: Context,
  url: UploadUrlModel,
  operation: "b2_upload_file" | "b2_upload_part",
  headers: Record<string, string>,
  body: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<T> {
  const match = UPLOAD_URL.exec(url.uploadUrl);
  if (!match || match[2] !== operation) {
    throw new ValidationError(`unexpected ${operation} URL from B2: ${url.uploadUrl.replace(/\?.*$/, "")}`, operation);
  }
  const [, baseUrl = "", , first = "", rest = ""] = match;
  const attempt = new Attempt(ctx.options.timeoutMs, signal);
  const init = {
    baseUrl,
    // Parts carry no type of their own; without one openapi-fetch would announce JSON.
    headers: { "Content-Type": "application/octet-stream", ...headers, Authorization: url.authorizationToken },
    body: body as never,
    bodySerializer: (b: unknown) => b,
    signal: attempt.signal,
  };
  try {
    const client = ctx.client as unknown as { POST(path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }> };
    const { data, error, response } =
      operation === "b2_upload_file"
        ? await client.POST("/b2api/v4/b2_upload_file/{bucketId}/{uploadTarget}", { ...init, params: { path: { bucketId: decodeURIComponent(first), uploadTarget: decodeURIComponent(rest) } } })
        : await client.POST("/b2api/v4/b2_upload_part/{fileId}/{uploadTarget}", { ...init, params: { path: { fileId: decodeURIComponent(first), uploadTarget: decodeURIComponent(rest) } } });
    if (!response.ok) throw await errorFromResponse(response, error, operation);
    return data as T;
  } catch (e) {
    throw e instanceof B2Error ? e : attempt.failure(e, operation);
  } finally {
    attempt.done();
  }
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
  body: Uint8Array,
  signal?: AbortSignal,
): Promise<T> {
  let last: unknown;
  let url: UploadUrlModel | undefined;
  for (let urls = 0, tries = 0; urls < MAX_UPLOAD_URLS && tries < MAX_UPLOAD_URLS * 3; tries++) {
    if (!url) {
      url = target.pool.take(target.key) ?? (await target.fetchUrl());
      urls++;
    }
    try {
      const result = await postToUploadUrl<T>(ctx, url, target.operation, headers, body, signal);
      target.pool.give(target.key, url);
      return result;
    } catch (error) {
      if (signal?.aborted) throw error;
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
    }
  }
  throw exhausted(target.operation, MAX_UPLOAD_URLS, last);
}
