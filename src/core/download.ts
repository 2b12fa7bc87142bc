/**
 * Streaming downloads: chunks as they arrive, a timeout that also fires on a stalled body,
 * retries that resume with a Range request from the last byte received (pinned to the
 * version first served), and the SHA-1 checked at the end of a whole-file download.
 * `downloadChunks` yields a whole file in order from parallel ranged GETs; `save` and
 * `download` use the positional engine of download-parallel.ts instead.
 */
import { createHash } from "node:crypto";
import { B2Error, ChecksumMismatch } from "../errors.js";
import type { DownloadSettings } from "../models.js";
import type { Context } from "./context.js";
import { type DownloadTarget, openDownload, operationOf } from "./download-get.js";
import { bytesMoved } from "./activity.js";
import { holdHeapHeadroom } from "./heap-headroom.js";
import { b2Decode } from "./encoding.js";
import { Attempt } from "./http.js";
import { backoffMs, BUDGET_SPENT, exhausted, isRetryable, spendRetry } from "./retry.js";
import { checkDownloadOverrides, checkRange } from "./validate.js";
import { checkCustomerKey } from "./sse.js";
import { planRanges, runLanes } from "./download-ranges.js";

export type { DownloadTarget } from "./download-get.js";

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

/** The explicit start and end of a requested range (`bytes=S-E` or `bytes=S-`); undefined for a suffix range. */
function parseRange(range: string | undefined): { start: number; end: number | undefined } | undefined {
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: m[2] ? Number(m[2]) : undefined };
}

/** The bytes an answer holds: from its Content-Range (206), else the whole body from byte 0 (200). */
interface Served {
  start: number;
  /** Last byte, when known. */
  end: number | undefined;
  total: number | undefined;
}

function servedOf(h: Headers): Served | undefined {
  const contentRange = h.get("content-range");
  if (contentRange === null) {
    const length = h.get("content-length");
    return { start: 0, end: length ? Number(length) - 1 : undefined, total: length ? Number(length) : undefined };
  }
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? undefined : Number(m[3]) };
}

/** An answer that does not hold the bytes asked for: never passed on as if it did. */
function rangeMismatch(operation: string, expected: string, headers: Headers): ChecksumMismatch {
  const got = headers.get("content-range") ?? `no Content-Range (${headers.get("content-length") ?? "?"} bytes from byte 0)`;
  return new ChecksumMismatch({ status: 0, code: "range_mismatch", message: `${operation}: asked for ${expected}, the server answered ${got}`, operation });
}

/** Closes a body that will not be read (ending its iteration releases the connection). */
async function discard(body: AsyncIterable<Uint8Array> | null): Promise<void> {
  try {
    await body?.[Symbol.asyncIterator]().return?.();
  } catch {
    // Closing only: the range mismatch is the error to report.
  }
}

function infoOf(h: Headers): DownloadInfo {
  const length = h.get("content-length");
  const declared = h.get("x-bz-content-sha1");
  const sha1 = declared && /^[0-9a-f]{40}$/i.test(declared.replace(/^unverified:/, ""))
    ? declared.replace(/^unverified:/, "").toLowerCase()
    : h.get("x-bz-info-large_file_sha1")?.toLowerCase() ?? undefined;
  const fileName = h.get("x-bz-file-name");
  return {
    fileId: h.get("x-bz-file-id") ?? undefined,
    fileName: fileName === null ? undefined : b2Decode(fileName),
    totalLength: servedOf(h)?.total,
    length: length ? Number(length) : undefined,
    sha1,
    contentType: h.get("content-type"),
    headers: h,
  };
}

export function checksumMismatch(operation: string, actual: string, expected: string): ChecksumMismatch {
  return new ChecksumMismatch({ status: 0, code: "checksum_mismatch", message: `${operation}: SHA-1 of the bytes received (${actual}) differs from B2's (${expected})`, operation });
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
  const operation = operationOf(target);
  checkRange(settings.range, operation);
  checkDownloadOverrides(settings as Record<string, unknown>, operation);
  if (settings.serverSideEncryption) checkCustomerKey(settings.serverSideEncryption, operation);
  const asked = parseRange(settings.range);
  const verify = settings.range === undefined;
  const hash = createHash("sha1");
  let received = 0;
  let info: DownloadInfo | undefined;
  // The absolute bytes the first answer holds (a suffix range learns its start here): resumes continue from them.
  let served: Served | undefined;
  let current: DownloadTarget = target;
  let last: unknown;
  for (let n = 1; n <= ctx.policy.maxAttempts; n++) {
    const attempt = new Attempt(ctx.options.timeoutMs, settings.signal, ctx.options.closed);
    try {
      let range = settings.range;
      let resumeAt: number | undefined;
      if (received > 0 && served) {
        // To the range's own end; open-ended when it runs to the end of the file (no range, bytes=S-, bytes=-N).
        resumeAt = served.start + received;
        range = `bytes=${resumeAt}-${asked?.end ?? ""}`;
      }
      const response = await ctx.api.withAuth((auth) => openDownload(ctx, auth, current, settings, range, attempt));
      if (!info) {
        served = servedOf(response.headers);
        // The answer must hold the bytes asked for: an explicit start is where they begin.
        if (!served || (asked && served.start !== asked.start)) {
          await discard(response.body);
          throw rangeMismatch(operation, settings.range ?? "the whole file", response.headers);
        }
        info = infoOf(response.headers);
        onInfo?.(info);
        // Resume the same version even if a newer one appears under the name.
        if (info.fileId) current = { fileId: info.fileId };
      } else if (resumeAt !== undefined) {
        // A resumed answer must continue exactly where the bytes received end (ranges skip the SHA-1 check).
        const again = servedOf(response.headers);
        if (
          !again ||
          response.headers.get("content-range") === null ||
          again.start !== resumeAt ||
          (served?.end !== undefined && again.end !== served.end) ||
          (served?.total !== undefined && again.total !== undefined && again.total !== served.total)
        ) {
          await discard(response.body);
          throw rangeMismatch(operation, range as string, response.headers);
        }
      }
      if (response.body) {
        for await (const chunk of response.body) {
          attempt.touch();
          bytesMoved(); // a sign of life for a Blocking call (core/activity.ts)
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
        if (actual !== info.sha1) throw checksumMismatch(operation, actual, info.sha1);
      }
      return info;
    } catch (error) {
      attempt.done();
      const failure = error instanceof B2Error ? error : attempt.failure(error, operation);
      if (settings.signal?.aborted || failure instanceof ChecksumMismatch || !isRetryable(failure)) throw failure;
      last = failure;
      if (n < ctx.policy.maxAttempts && !spendRetry(ctx.policy)) throw exhausted(operation, n, failure, BUDGET_SPENT);
      if (n < ctx.policy.maxAttempts) await ctx.policy.sleep(backoffMs(n, ctx.policy, failure.retryAfter), settings.signal);
    } finally {
      attempt.done();
    }
  }
  throw ctx.policy.maxAttempts > 1 ? exhausted(operation, ctx.policy.maxAttempts, last) : last;
}

/** The bytes of one range, checked for count; `onChunk` sees each chunk and its offset in the file. */
export async function fetchRange(
  ctx: Context,
  target: DownloadTarget,
  settings: DownloadSettings,
  start: number,
  end: number,
  onChunk: (chunk: Uint8Array, position: number) => void | Promise<void>,
): Promise<void> {
  let position = start;
  for await (const chunk of streamOnce(ctx, target, { ...settings, range: `bytes=${start}-${end}` })) {
    await onChunk(chunk, position);
    position += chunk.byteLength;
  }
  if (position !== end + 1) {
    throw new B2Error({ status: 0, code: "connection_error", message: `range ${start}-${end}: got ${position - start} bytes`, operation: operationOf(target) });
  }
}

/** Largest range of an in-order parallel download: each waiting range is held in memory. */
const MAX_BUFFERED_RANGE = 16 * 1024 * 1024;

/** The chunks of one range, held until the reader gets to it. */
class Piece {
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#signal();
  }

  end(failure?: unknown): void {
    this.#ended = true;
    this.#failure = failure;
    this.#signal();
  }

  async *take(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      let chunk: Uint8Array | undefined;
      while ((chunk = this.#chunks.shift())) yield chunk;
      if (this.#ended) {
        if (this.#failure !== undefined) throw this.#failure;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Yields a download's bytes in order. A whole-file download starts with a ranged GET of one
 * chunk, streamed as it arrives; as soon as its headers give the size, the rest is fetched as
 * parallel ranged GETs on `concurrency` lanes, pinned to the file version of the first answer.
 * Ranges ahead of the reader are held in memory, at most concurrency + 1 of them (each at most
 * 16 MiB). The whole-file SHA-1 is checked at the end.
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
  const stop = new AbortController();
  const laneSettings = { ...settings, signal: settings.signal ? AbortSignal.any([settings.signal, stop.signal]) : stop.signal };
  const window = concurrency + 1;
  let consumed = 0;
  let gateWake: (() => void)[] = [];
  let pieces: Piece[] = [];
  let lanes: Promise<void> | undefined;
  let meta: DownloadInfo | undefined;
  let laneFailure: unknown;
  const hash = createHash("sha1");
  let release: (() => void) | undefined;
  const start = (info: DownloadInfo): void => {
    meta = info;
    const total = info.totalLength ?? 0;
    onInfo?.({ ...info, length: total });
    if (info.length === undefined || info.length >= total) return; // the first answer holds it all
    const pinned: DownloadTarget = info.fileId ? { fileId: info.fileId } : target;
    const ranges = planRanges(total, info.length, chunkSize, concurrency, MAX_BUFFERED_RANGE);
    pieces = ranges.map(() => new Piece());
    if (ranges.length > 0) release ??= holdHeapHeadroom();
    lanes = runLanes(ranges.length, concurrency, async (i) => {
      // Hold back while the reader is `window` ranges behind.
      while (i >= consumed + window && !stop.signal.aborted) await new Promise<void>((resolve) => gateWake.push(resolve));
      if (stop.signal.aborted) return;
      const piece = pieces[i] as Piece;
      const [from, to] = ranges[i] as [number, number];
      try {
        await fetchRange(ctx, pinned, laneSettings, from, to, (chunk) => piece.push(chunk));
        piece.end();
      } catch (error) {
        piece.end(error);
        laneFailure ??= error;
        throw error;
      }
    });
    lanes.catch(() => stop.abort());
  };
  try {
    try {
      for await (const chunk of streamOnce(ctx, target, { ...laneSettings, range: `bytes=0-${chunkSize - 1}` }, start)) {
        hash.update(chunk);
        yield chunk;
      }
    } catch (error) {
      // An empty file has no byte 0: B2 answers 416 to any range. Fetch it plainly.
      if (error instanceof B2Error && error.status === 416 && !meta) {
        yield* streamOnce(ctx, target, settings, onInfo);
        return;
      }
      throw error;
    }
    for (const piece of pieces) {
      for await (const chunk of piece.take()) {
        hash.update(chunk);
        yield chunk;
      }
      consumed++;
      const waiting = gateWake;
      gateWake = [];
      for (const wake of waiting) wake();
    }
    await lanes;
  } catch (error) {
    // The caller's own abort, then the lane failure that stopped the others, win over their echoes.
    if (settings.signal?.aborted) throw settings.signal.reason instanceof Error ? settings.signal.reason : error;
    throw laneFailure ?? error;
  } finally {
    stop.abort();
    for (const wake of gateWake) wake();
    await lanes?.catch(() => undefined);
    release?.();
  }
  const expected = (meta as DownloadInfo).sha1;
  if (expected) {
    const actual = hash.digest("hex");
    if (actual !== expected) throw checksumMismatch(operationOf(target), actual, expected);
  }
}
