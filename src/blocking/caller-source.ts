/**
 * Caller side of a pull source: the caller's sync iterable, advanced one item per "pull" from
 * the worker while the caller waits. Nothing is read ahead, so at most one chunk per source is
 * in flight.
 *
 * Chunks are copied, never moved: a generator may refill the buffer it just yielded, so moving
 * its own buffer would detach it under the generator. A chunk covering its whole buffer goes by
 * structured clone; a view of part of a larger buffer is first cut out, so only its bytes cross. Only a source wrapped in `transferChunks` promises that every
 * chunk is given away; then a chunk that is a whole, unshared ArrayBuffer moves without a copy.
 */
import { ValidationError } from "../errors.js";

const OWNED = Symbol("b2kit.ownedChunks");

/** Marks a sync iterable whose chunks the caller gives away: they are moved, not copied (and detached on the caller's side). */
export function transferChunks<T extends Uint8Array>(source: Iterable<T>): Iterable<T> {
  return { [Symbol.iterator]: () => source[Symbol.iterator](), [OWNED]: true } as Iterable<T>;
}

export interface Pulled {
  done: boolean;
  value?: Uint8Array;
  transfer: ArrayBuffer[];
}

function toChunk(v: unknown, owned: boolean): Pulled {
  if (!ArrayBuffer.isView(v)) {
    const what = v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
    // The same class as Awaiting's for a non-byte chunk (stream-parts.ts): bad input, nothing sent.
    throw new ValidationError(`a pull source yielded ${what}; expected Uint8Array chunks`, "uploadStream");
  }
  const u8 = v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const buf = u8.buffer;
  if (owned && buf instanceof ArrayBuffer && u8.byteOffset === 0 && u8.byteLength === buf.byteLength) {
    return { done: false, value: u8, transfer: buf.byteLength > 0 ? [buf] : [] };
  }
  if (u8.byteOffset === 0 && u8.byteLength === buf.byteLength) {
    // postMessage copies it (into a message buffer freed on receipt): no garbage on this side.
    return { done: false, value: u8, transfer: [] };
  }
  // Structured clone would copy the whole backing buffer (a Buffer pool, a big file buffer):
  // copy just the view's bytes (never Buffer#slice, which is a view) and move that copy.
  const copy = new Uint8Array(u8);
  return { done: false, value: copy, transfer: copy.byteLength > 0 ? [copy.buffer] : [] };
}

export class CallerSource {
  readonly #iterable: Iterable<unknown>;
  readonly #owned: boolean;
  #it: Iterator<unknown> | undefined;
  #finished = false;
  /** What the caller's iterator threw (or the bridge's TypeError for a bad chunk). */
  failed: { error: unknown } | undefined;

  constructor(iterable: Iterable<unknown>) {
    this.#iterable = iterable;
    this.#owned = (iterable as { [OWNED]?: boolean })[OWNED] === true;
  }

  /** The next chunk, run synchronously on the caller's thread. Throws what the iterator threw. */
  next(): Pulled {
    if (this.#finished) return { done: true, transfer: [] };
    try {
      this.#it ??= this.#iterable[Symbol.iterator]();
      const r = this.#it.next();
      if (r.done === true) {
        this.#finished = true;
        return { done: true, transfer: [] };
      }
      try {
        return toChunk(r.value, this.#owned);
      } catch (e) {
        this.close(); // as for-of does when its body throws
        throw e;
      }
    } catch (error) {
      this.#finished = true;
      this.failed ??= { error };
      throw error;
    }
  }

  /** Stop early: run the iterator's return() (its finally blocks) if it was started and is not done. */
  close(): void {
    if (this.#finished || this.#it === undefined) {
      this.#finished = true;
      return;
    }
    this.#finished = true;
    this.#it.return?.();
  }
}
