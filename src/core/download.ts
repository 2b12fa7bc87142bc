/**
 * Streaming downloads: chunks as they arrive, a timeout that also fires on a stalled body,
 * retries that resume with a Range request from the last byte received (pinned to the
 * version first served), and the SHA-1 checked at the end of a whole-file download.
 */
import { createHash } from "node:crypto";
import { B2Error, ChecksumMismatch } from "../errors.js";
import type { DownloadSettings } from "../models.js";
import type { Context } from "./context.js";
import { b2Decode } from "./encoding.js";
import { Attempt, errorFromResponse } from "./http.js";
import { backoffMs, BUDGET_SPENT, exhausted, isRetryable, spendRetry } from "./retry.js";
import type { Authorization } from "./session.js";
import { throttledProgress } from "./progress.js";
import { sseHeaders } from "./upload.js";
import { checkRange } from "./validate.js";

export type DownloadTarget = { fileId: string } | { bucketName: string; fileName: string };

export interface DownloadInfo {
  fileId: string | undefined;
  fileName: string | undefined;
  /** Length of the whole file (from Content-Range or Content-Length). */
  totalLength: number | undefined;
  /** Bytes this download delivers. */
  length: number | undefined;
  /** The whole file's SHA-1, when B2 knows it. */
  sha1: string | undefined;
  contentType: string | null;
  headers: Headers;
}

const OVERRIDES = ["b2ContentDisposition", "b2ContentLanguage", "b2Expires", "b2CacheControl", "b2ContentEncoding", "b2ContentType"] as const;

function parseRange(range: string | undefined): { start: number; end: number | undefined } | undefined {
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: m[2] ? Number(m[2]) : undefined };
}

async function openOnce(ctx: Context, auth: Authorization, target: DownloadTarget, settings: DownloadSettings, range: string | undefined, attempt: Attempt): Promise<Response> {
  const query: Record<string, string> = {};
  for (const name of OVERRIDES) {
    const value = settings[name];
    if (value !== undefined) query[name] = value;
  }
  const headers: Record<string, string> = { Authorization: auth.token, ...(range ? { Range: range } : {}) };
  if (settings.serverSideEncryption) Object.assign(headers, sseHeaders({ ...settings.serverSideEncryption, mode: "SSE-C" }));
  const init = { baseUrl: auth.downloadUrl, headers, signal: attempt.signal, parseAs: "stream" as const };
  const client = ctx.client as unknown as { GET(path: string, init: object): Promise<{ error?: unknown; response: Response }> };
  const operation = "fileId" in target ? "b2_download_file_by_id" : "b2_download_file_by_name";
  const { error, response } =
    "fileId" in target
      ? await client.GET("/b2api/v4/b2_download_file_by_id", { ...init, params: { query: { fileId: target.fileId, ...query } } })
      : await client.GET("/file/{bucketName}/{fileName}", { ...init, params: { path: target, query } });
  if (!response.ok) throw await errorFromResponse(response, error, operation);
  return response;
}

function infoOf(response: Response): DownloadInfo {
  const h = response.headers;
  const contentRange = h.get("content-range");
  const length = h.get("content-length");
  const total = contentRange ? /\/(\d+)$/.exec(contentRange)?.[1] : length;
  const declared = h.get("x-bz-content-sha1");
  const sha1 = declared && /^[0-9a-f]{40}$/i.test(declared.replace(/^unverified:/, ""))
    ? declared.replace(/^unverified:/, "").toLowerCase()
    : h.get("x-bz-info-large_file_sha1")?.toLowerCase() ?? undefined;
  const fileName = h.get("x-bz-file-name");
  return {
    fileId: h.get("x-bz-file-id") ?? undefined,
    fileName: fileName === null ? undefined : b2Decode(fileName),
    totalLength: total ? Number(total) : undefined,
    length: length ? Number(length) : undefined,
    sha1,
    contentType: h.get("content-type"),
    headers: h,
  };
}

/**
 * Yields the bytes of one GET (optionally ranged); `onInfo` gets the response metadata before
 * the first chunk. Resumes after retryable failures mid-body; when the whole file is asked for,
 * throws `ChecksumMismatch` on a SHA-1 mismatch.
 */
export async function* streamOnce(
  ctx: Context,
  target: DownloadTarget,
  settings: DownloadSettings = {},
  onInfo?: (info: DownloadInfo) => void,
): AsyncGenerator<Uint8Array, DownloadInfo, undefined> {
  const operation = "fileId" in target ? "b2_download_file_by_id" : "b2_download_file_by_name";
  checkRange(settings.range, operation);
  const asked = parseRange(settings.range);
  const verify = settings.range === undefined;
  const hash = createHash("sha1");
  let received = 0;
  let info: DownloadInfo | undefined;
  let current: DownloadTarget = target;
  let last: unknown;
  for (let n = 1; n <= ctx.policy.maxAttempts; n++) {
    const attempt = new Attempt(ctx.options.timeoutMs, settings.signal);
    try {
      let range = settings.range;
      if (received > 0) {
        const start = (asked?.start ?? 0) + received;
        range = `bytes=${start}-${asked?.end ?? ""}`;
      }
      const response = await ctx.api.withAuth((auth) => openOnce(ctx, auth, current, settings, range, attempt));
      if (!info) {
        info = infoOf(response);
        onInfo?.(info);
        // Resume the same version even if a newer one appears under the name.
        if (info.fileId) current = { fileId: info.fileId };
      }
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          attempt.touch();
          received += chunk.byteLength;
          if (verify) hash.update(chunk);
          yield chunk;
        }
      }
      attempt.done();
      if (info.length !== undefined && received < info.length) {
        throw new B2Error({ status: 0, code: "connection_error", message: `${operation}: body ended after ${received} of ${info.length} bytes`, operation });
      }
      if (verify && info.sha1) {
        const actual = hash.digest("hex");
        if (actual !== info.sha1) {
          throw new ChecksumMismatch({ status: 0, code: "checksum_mismatch", message: `${operation}: SHA-1 of the bytes received (${actual}) differs from B2's (${info.sha1})`, operation });
        }
      }
      return info;
    } catch (error) {
      attempt.done();
      const failure = error instanceof B2Error ? error : attempt.failure(error, operation);
      if (settings.signal?.aborted || failure instanceof ChecksumMismatch || !isRetryable(failure)) throw failure;
      last = failure;
      if (n < ctx.policy.maxAttempts && !spendRetry(ctx.policy)) throw exhausted(operation, n, failure, BUDGET_SPENT);
      if (n < ctx.policy.maxAttempts) await ctx.policy.sleep(backoffMs(n, ctx.policy, failure.retryAfter), settings.signal);
    }
  }
  throw ctx.policy.maxAttempts > 1 ? exhausted(operation, ctx.policy.maxAttempts, last) : last;
}

/** Collects a whole download into one Uint8Array (allocated once when the size is known). */
export async function downloadBytes(ctx: Context, target: DownloadTarget, settings: DownloadSettings = {}): Promise<Uint8Array> {
  let out: Uint8Array | undefined;
  const spill: Uint8Array[] = [];
  let size = 0;
  let total: number | undefined;
  const progress = throttledProgress(settings.onProgress);
  for await (const chunk of downloadChunks(ctx, target, settings, (info) => {
    total = info.length;
    if (total !== undefined) out = new Uint8Array(total);
  })) {
    if (out && size + chunk.byteLength <= out.byteLength) out.set(chunk, size);
    else spill.push(chunk);
    size += chunk.byteLength;
    progress(size, total);
  }
  if (out && spill.length === 0) return size === out.byteLength ? out : out.subarray(0, size);
  // The size was unknown (or wrong): assemble from the pieces.
  const whole = new Uint8Array(size);
  let offset = 0;
  if (out) {
    const head = out.subarray(0, size - spill.reduce((n, c) => n + c.byteLength, 0));
    whole.set(head, 0);
    offset = head.byteLength;
  }
  for (const chunk of spill) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Collects one ranged GET as its chunks, uncopied (the pieces of a parallel download). */
async function fetchRange(ctx: Context, target: DownloadTarget, settings: DownloadSettings, start: number, end: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of streamOnce(ctx, target, { ...settings, range: `bytes=${start}-${end}` })) {
    chunks.push(chunk);
    received += chunk.byteLength;
  }
  if (received !== end - start + 1) {
    throw new B2Error({ status: 0, code: "connection_error", message: `range ${start}-${end}: got ${received} bytes`, operation: "b2_download_file_by_id" });
  }
  return chunks;
}

/** Largest range of a parallel download: bigger ranges cost fewer requests, this bounds memory. */
const MAX_RANGE = 16 * 1024 * 1024;

/**
 * Size of the ranges after the first: at least the chunk size, about four ranges per lane,
 * at most 16 MiB (memory stays under concurrency × range size).
 */
export function rangeSize(chunkSize: number, remaining: number, concurrency: number): number {
  return Math.max(chunkSize, Math.min(MAX_RANGE, Math.ceil(remaining / (concurrency * 4))));
}

/**
 * Yields a download's bytes in order. A whole-file download starts with a ranged GET of one
 * chunk; if the file is larger, the rest is fetched as parallel ranged GETs (`concurrency` in
 * flight, memory bounded by concurrency × range size, see `rangeSize`), pinned to the file
 * version of the first answer, and the whole-file SHA-1 is checked at the end.
 */
export async function* downloadChunks(
  ctx: Context,
  target: DownloadTarget,
  settings: DownloadSettings = {},
  onInfo?: (info: DownloadInfo) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = ctx.options.chunkSize;
  const concurrency = ctx.options.concurrency;
  if (settings.range !== undefined || concurrency < 2) {
    yield* streamOnce(ctx, target, settings, onInfo);
    return;
  }
  let info: DownloadInfo | undefined;
  const hash = createHash("sha1");
  let first: Uint8Array[] = [];
  try {
    for await (const chunk of streamOnce(ctx, target, { ...settings, range: `bytes=0-${chunkSize - 1}` }, (i) => (info = i))) first.push(chunk);
  } catch (error) {
    // An empty file has no byte 0: B2 answers 416 to any range. Fetch it plainly.
    if (error instanceof B2Error && error.status === 416) {
      yield* streamOnce(ctx, target, settings, onInfo);
      return;
    }
    throw error;
  }
  const meta = info as DownloadInfo;
  const total = meta.totalLength ?? 0;
  onInfo?.({ ...meta, length: total });
  for (const chunk of first) {
    hash.update(chunk);
    yield chunk;
  }
  first = [];
  const pinned: DownloadTarget = meta.fileId ? { fileId: meta.fileId } : target;
  const ranges: [number, number][] = [];
  const size = rangeSize(chunkSize, total - chunkSize, concurrency);
  for (let start = chunkSize; start < total; start += size) ranges.push([start, Math.min(total, start + size) - 1]);
  const inFlight: Promise<Uint8Array[]>[] = [];
  let nextRange = 0;
  const launch = (): void => {
    const range = ranges[nextRange++];
    if (range) {
      const promise = fetchRange(ctx, pinned, settings, range[0], range[1]);
      promise.catch(() => undefined); // observed when its turn comes
      inFlight.push(promise);
    }
  };
  try {
    while (nextRange < ranges.length && inFlight.length < concurrency) launch();
    while (inFlight.length > 0) {
      const piece = await (inFlight.shift() as Promise<Uint8Array[]>);
      launch();
      for (const chunk of piece) {
        hash.update(chunk);
        yield chunk;
      }
    }
  } finally {
    nextRange = ranges.length; // an early return stops launching
  }
  if (meta.sha1) {
    const actual = hash.digest("hex");
    if (actual !== meta.sha1) {
      throw new ChecksumMismatch({ status: 0, code: "checksum_mismatch", message: `download: SHA-1 of the bytes received (${actual}) differs from B2's (${meta.sha1})`, operation: "b2_download_file_by_id" });
    }
  }
}
