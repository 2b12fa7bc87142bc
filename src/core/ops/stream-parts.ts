/**
 * The source side of `uploadStream`: cutting a stream of unknown length into parts whose size
 * grows with the part count (`streamPartSize`), with every chunk checked to be bytes
 * (`PartReader`), and the one place any wait of the upload ends early: the first part that
 * failed, or the caller's abort (`Stop`).
 */
import { constants as bufferConstants } from "node:buffer";
import { ValidationError } from "../../errors.js";
import type { UploadSource } from "../../models.js";

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
export class Stop {
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
export class PartReader {
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
