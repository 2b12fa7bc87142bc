/**
 * `Bucket.uploadStream`: bytes of unknown length with bounded memory. The source is cut into
 * part-size buffers; if it ends within the first part it goes up as one simple upload (hashed
 * first), otherwise as a large file whose parts upload in parallel (at most `concurrency` parts
 * in flight plus the one being read). B2 takes `large_file_sha1` only when the large file
 * starts, which a stream of unknown length cannot know, so such files carry per-part SHA-1s only.
 * Each part buffer is hashed before it is sent rather than with `hex_digits_at_end`: measured on
 * 256 MiB (3 interleaved runs, local server), 249/148/131 MB/s for 696/752/766 ms of CPU against
 * 241/108/132 MB/s for 756/907/818 ms, and a retry reuses the hash.
 *
 * Part size: a stream's length is unknown, so the part size cannot be planned; it grows instead.
 * Parts 1-500 have the base size (the chunk size, at least B2's minimum part size), and the size
 * doubles every 500 parts (`streamPartSize`), capped at 5 GB (or the largest buffer the runtime
 * can allocate, 4 GiB on Node 20). From B2's 5 MB minimum that fits at least 24 TB in B2's 10,000
 * parts, more than B2's 10 TB largest file; memory stays within (concurrency + 1) x the current
 * part size. (B2 lets parts differ in size as long as all but the last reach the minimum.)
 *
 * Every chunk must be bytes (a Uint8Array, e.g. a Buffer, or another ArrayBuffer view); anything
 * else (a string from a Readable with `setEncoding`) fails with a ValidationError. A stream
 * cannot be read twice, so an upload that fails or is aborted after b2_start_large_file cannot be
 * resumed: the parts in flight are let settle, the large file is cancelled (best effort) and the
 * original error is thrown. `signal` aborts every request and the wait for the source's next chunk.
 */
import { constants as bufferConstants } from "node:buffer";
import { ValidationError } from "../../errors.js";
import type { FileModel, UploadSettings, UploadSource } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState } from "../handles.js";
import { throttledProgress } from "../progress.js";
import { uploadHeaders } from "../upload.js";
import { checkPartNumber } from "../validate.js";
import { fileHandle } from "./handles.js";
import { finishLargeFile, startBody, uploadPart } from "./large-file.js";
import { upload } from "./simple-upload.js";

const OPERATION = "b2_upload_file";
/** Parts between two doublings of a stream's part size. */
export const PART_SIZE_DOUBLES_EVERY = 500;
/** B2's largest part (5 GB), or the largest buffer this runtime allocates if that is less. */
export const MAX_STREAM_PART_SIZE = Math.min(5_000_000_000, bufferConstants.MAX_LENGTH);

/** The size of part `partNumber` (from 1) of a stream whose first parts have `base` bytes: doubled every 500 parts, capped. */
export function streamPartSize(partNumber: number, base: number): number {
  const doublings = Math.floor((partNumber - 1) / PART_SIZE_DOUBLES_EVERY);
  return Math.min(MAX_STREAM_PART_SIZE, base * 2 ** doublings);
}

/** What to name a chunk that is not bytes, in an error message. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "object";
}

/** The error an abort rejects with: the signal's reason, as the rest of the SDK throws it (see `Attempt`). */
function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted", "AbortError");
}

/**
 * Why the upload stops: the first part that failed, or the signal's abort. `race` lets any
 * wait (the source, a free slot) end as soon as either happens. (Not `Promise.race` against one
 * long-lived promise: each race would leave a reaction on it holding its settled value, i.e.
 * every chunk read, until the upload ends.)
 */
class Stop {
  readonly #signal: AbortSignal | undefined;
  readonly #waiters = new Set<(error: unknown) => void>();
  #stopped: { error: unknown } | undefined;
  readonly #onAbort = (): void => this.fail(abortError(this.#signal as AbortSignal));

  constructor(signal: AbortSignal | undefined) {
    this.#signal = signal;
    if (signal?.aborted) this.#onAbort();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  fail(error: unknown): void {
    if (this.#stopped) return;
    this.#stopped = { error };
    for (const reject of this.#waiters) reject(error);
    this.#waiters.clear();
  }

  check(): void {
    if (this.#stopped) throw this.#stopped.error;
  }

  /** `promise`, or the stop's error if the upload stops first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#stopped) {
      promise.catch(() => undefined);
      return Promise.reject(this.#stopped.error);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiters.add(reject);
      promise.then(
        (value) => {
          this.#waiters.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiters.delete(reject);
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

interface Pull {
  next(): Promise<IteratorResult<unknown>>;
  return(): unknown;
}

/**
 * Reads a byte source into part buffers, one chunk at a time, each wait for a chunk raced
 * against `Stop`. Copies: sources may reuse their buffers.
 */
class PartReader {
  readonly #source: UploadSource;
  #it: Pull | undefined;
  /** The source ended or threw: nothing to close. */
  #over = false;
  /** A next() of the source has not settled (it stalled and the upload stopped waiting). */
  #waiting = false;
  #chunk: Uint8Array | undefined;
  #offset = 0;

  constructor(source: unknown) {
    const s = source as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null | undefined;
    const iterable = typeof s === "object" && s !== null && (typeof s[Symbol.asyncIterator] === "function" || typeof s[Symbol.iterator] === "function");
    if (!iterable) {
      throw new ValidationError(
        `uploadStream: the source is ${kindOf(source)}; expected a Readable, a ReadableStream or an (async) iterable of Uint8Array chunks`,
        OPERATION,
      );
    }
    this.#source = source as UploadSource;
  }

  #open(): Pull {
    const s = this.#source as AsyncIterable<unknown> & Iterable<unknown>;
    if (typeof s[Symbol.asyncIterator] === "function") {
      const it = s[Symbol.asyncIterator]();
      return { next: () => it.next(), return: () => it.return?.() };
    }
    const it = s[Symbol.iterator]();
    // As `for await` reads a sync iterable: each value awaited.
    return {
      next: async () => {
        const r = it.next();
        return r.done === true ? r : { done: false, value: await r.value };
      },
      return: () => it.return?.(),
    };
  }

  /** The next non-empty chunk as bytes, or undefined at the end of the source. */
  async #pull(stop: Stop): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.#over) return undefined;
      stop.check();
      const it = (this.#it ??= this.#open());
      this.#waiting = true;
      const pending = Promise.resolve()
        .then(() => it.next())
        .then(
          (r) => {
            this.#waiting = false;
            if (r.done === true) this.#over = true;
            return r;
          },
          (error: unknown) => {
            this.#waiting = false;
            this.#over = true;
            throw error;
          },
        );
      const r = await stop.race(pending);
      if (r.done === true) return undefined;
      const value: unknown = r.value;
      let bytes: Uint8Array;
      if (value instanceof Uint8Array) bytes = value;
      else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      else {
        throw new ValidationError(
          `uploadStream: the source yielded a chunk of type ${kindOf(value)}; every chunk must be a Uint8Array (or Buffer). ` +
            `A Readable with setEncoding() yields strings: drop setEncoding, or encode the strings to bytes`,
          OPERATION,
        );
      }
      if (bytes.byteLength > 0) return bytes;
    }
  }

  /** The next `size` bytes (fewer at the end of the source), or undefined when none are left. */
  async part(size: number, stop: Stop): Promise<Uint8Array | undefined> {
    let buffer: Uint8Array | undefined;
    let filled = 0;
    while (filled < size) {
      if (this.#chunk === undefined || this.#offset === this.#chunk.byteLength) {
        this.#chunk = await this.#pull(stop);
        this.#offset = 0;
        if (this.#chunk === undefined) break;
      }
      buffer ??= new Uint8Array(size);
      const n = Math.min(size - filled, this.#chunk.byteLength - this.#offset);
      buffer.set(this.#chunk.subarray(this.#offset, this.#offset + n), filled);
      filled += n;
      this.#offset += n;
    }
    if (buffer === undefined) return undefined;
    return filled === size ? buffer : buffer.subarray(0, filled);
  }

  /**
   * Lets go of a source not read to its end, as `for await` would (a Readable is destroyed, a
   * generator's `finally` runs). A source stalled in next() is not waited for.
   */
  async close(): Promise<void> {
    if (this.#it === undefined || this.#over) return;
    this.#over = true;
    const it = this.#it;
    const closing = Promise.resolve()
      .then(() => it.return())
      .catch(() => undefined);
    if (!this.#waiting) await closing;
  }
}

/** `concurrency` must be a whole number of lanes: 0 or NaN would never send a part. */
function checkConcurrency(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`concurrency must be an integer of at least 1, got ${String(value)}`, OPERATION);
  }
  return value;
}

export async function uploadStream(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  source: UploadSource,
): Promise<{ model: FileModel; handle: FileState }> {
  // Everything checkable is checked before a request is sent or the source is read.
  uploadHeaders(settings, OPERATION);
  const limit = checkConcurrency(settings.concurrency ?? ctx.options.concurrency);
  const reader = new PartReader(source);
  const signal = settings.signal;
  const stop = new Stop(signal);
  try {
    stop.check();
    const auth = await stop.race(ctx.api.session.get());
    const base = Math.min(MAX_STREAM_PART_SIZE, Math.max(ctx.options.chunkSize, auth.absoluteMinimumPartSize));
    const first = await reader.part(streamPartSize(1, base), stop);
    const second = first === undefined ? undefined : await reader.part(streamPartSize(2, base), stop);
    if (second === undefined) {
      stop.check();
      return await upload(ctx, state, settings, first ?? new Uint8Array(0));
    }

    const started = await ctx.api.call<FileModel>("b2_start_large_file", startBody(state.bucketId, settings, {}), signal);
    const fileId = started.fileId as string;
    const inFlight = new Set<Promise<void>>();
    try {
      const sha1s: string[] = [];
      const progress = throttledProgress(settings.onProgress);
      let sent = 0;
      const launch = (partNumber: number, data: Uint8Array): void => {
        checkPartNumber(partNumber, "b2_upload_part");
        const task = uploadPart(ctx, fileId, partNumber, data, settings.serverSideEncryption, signal)
          .then((part) => {
            sha1s[partNumber - 1] = part.contentSha1;
            sent += data.byteLength;
            progress(sent, undefined);
          })
          .catch((error: unknown) => stop.fail(error))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      };
      progress(0, undefined);
      launch(1, first as Uint8Array);
      // The lane limit holds from the first parts on (concurrency 1: one part in flight).
      while (inFlight.size >= limit) await stop.race(Promise.race(inFlight));
      launch(2, second);
      for (let partNumber = 3; ; partNumber++) {
        while (inFlight.size >= limit) await stop.race(Promise.race(inFlight));
        const data = await reader.part(streamPartSize(partNumber, base), stop);
        if (data === undefined) break;
        launch(partNumber, data);
      }
      await stop.race(Promise.all(inFlight));
      stop.check();
      const model = await finishLargeFile(ctx, fileId, sha1s, settings.signal);
      progress(sent, sent);
      return { model, handle: fileHandle(model, state.bucketId) };
    } catch (error) {
      // Nothing can resume a stream: let the parts in flight settle, then cancel the large file
      // (without the signal, which may be the reason we are here), keeping the original error.
      await reader.close();
      await Promise.allSettled(inFlight);
      await ctx.api.call("b2_cancel_large_file", { fileId }).catch(() => undefined);
      ctx.partUrls.forget(fileId);
      throw error;
    }
  } finally {
    stop.dispose();
    await reader.close();
  }
}
