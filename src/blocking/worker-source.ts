/**
 * Worker side of a pull source: the AsyncIterable<Uint8Array> the core sees in place of the
 * caller's sync iterable. Each next() asks the caller for one item and waits for it; calls are
 * served one at a time, so there is never more than one chunk in flight (no read-ahead).
 * return() makes the caller run its iterator's return(). An error the caller's iterator threw
 * is rejected here as a rebuilt error that `sourceErrorIndex` recognises, so the caller can
 * rethrow its own original object if the call fails with it.
 */
import { decodeThrown, type Encoded } from "./error-codec.js";

type Ask = (op: "next" | "return") => void;
interface Answer {
  done: boolean;
  value?: Uint8Array;
  error?: Encoded;
}

const fromSource = new WeakMap<object, { set: number; idx: number }>();

/** Which pull source of `set` threw `e`, if it came from one. */
export function sourceErrorIndex(e: unknown, set: number): number | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const from = fromSource.get(e);
  return from?.set === set ? from.idx : undefined;
}

export class WorkerSource implements AsyncIterableIterator<Uint8Array> {
  readonly #set: number;
  readonly #idx: number;
  readonly #ask: Ask;
  #tail: Promise<unknown> = Promise.resolve();
  #pending: { resolve: (a: Answer) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  #ended: Error | undefined;

  constructor(set: number, idx: number, ask: Ask) {
    this.#set = set;
    this.#idx = idx;
    this.#ask = ask;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.#serial(async () => {
      if (this.#done) return { done: true, value: undefined };
      const a = await this.#request("next");
      if (a.error !== undefined) {
        this.#done = true;
        const e = decodeThrown(a.error);
        if (typeof e === "object" && e !== null) fromSource.set(e, { set: this.#set, idx: this.#idx });
        throw e;
      }
      if (a.done) {
        this.#done = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: a.value as Uint8Array };
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    return this.#serial(async () => {
      if (!this.#done && this.#ended === undefined) {
        this.#done = true;
        const a = await this.#request("return");
        if (a.error !== undefined) throw decodeThrown(a.error);
      }
      return { done: true, value: undefined };
    });
  }

  /** The caller's answer to the outstanding request. */
  deliver(a: Answer): void {
    const p = this.#pending;
    this.#pending = undefined;
    p?.resolve(a);
  }

  /** The call this source was passed to is over: nobody on the caller's side serves it any more. */
  end(): void {
    this.#ended ??= new Error("Blocking bridge: the call this pull source was passed to has ended");
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(this.#ended);
  }

  #request(op: "next" | "return"): Promise<Answer> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise<Answer>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#ask(op);
    });
  }

  /** One request at a time, in call order, even if the consumer does not await each next(). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => {});
    return run;
  }
}
