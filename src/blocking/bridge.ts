/**
 * BlockingCore: the synchronous face of an async core running in a worker thread. The
 * generated Blocking* classes call `run`, `iterate` and `close` exactly as the Awaiting* classes
 * call the async core, and get plain values and sync iterators back.
 *
 * Deadline: a round trip fails once its worker has been silent for `callTimeoutMs` (counted
 * from when the worker has loaded the core; a cold start first gets up to `startTimeoutMs`).
 * Every message the worker sends for the call (callback events such as progress, pulls of its
 * sources, factoryArgs events such as log lines, the answer) re-arms it, after the caller has
 * handled that message; so does the worker's own "alive", sent while a call is in flight and
 * bytes move (a body chunk sent or received, a pre-hash read; core/activity.ts). So a transfer
 * that keeps moving data never times out here, however long it takes, with or without
 * callbacks; one whose bytes stop (a stalled peer, a hung promise) does. When it passes, the worker is terminated (whatever it was doing is abandoned,
 * iterators it held are lost) and the call throws BlockingTimeout; the next call starts a fresh
 * worker from the same factory args, so a late answer of the abandoned call can never be
 * mistaken for a new one.
 *
 * Callbacks in args (e.g. `onProgress`) run on the caller's thread, in order, while the call
 * is in progress; the worker's proxy waits for each (up to 50 ms, see worker.ts). If one throws,
 * the call is aborted where it is, as in the Awaiting client: the waiting proxy throws, or, for
 * a callback that ran past that wait, the worker aborts the call's signal (given to the settings
 * objects that carry the callbacks) and its proxies throw from then on. Later callbacks of that
 * call are not run, and once the worker has answered, the call throws the callback's own error
 * object (whatever the op returned).
 *
 * Pull sources in args: a sync iterable of Uint8Array chunks (a generator, or any object with
 * [Symbol.iterator] other than an array, typed array, Map, Set or string) reaches the core as an
 * AsyncIterable<Uint8Array>. Each next() there is served by one next() of the caller's iterator,
 * run on the caller's thread while the call waits; nothing is read ahead. Chunks are copied
 * unless the source is wrapped in `transferChunks`. return() there runs return() here; what the
 * caller's iterator throws is what the core sees, and if the call fails with it the caller gets
 * its own error object back. When the call ends, a started, unfinished source is return()ed.
 * A source given to `iterate` is served only while the caller waits on that iterator.
 *
 * Functions in factoryArgs (e.g. `options.logger`) become stand-ins in the worker that return
 * nothing and report each call; the caller runs the original whenever it waits on any call of
 * this bridge. Calls made while no call waits (a late log line) run at the start of the next
 * wait, in order; those still pending when the worker is reset or closed are lost. If one
 * throws, a process warning is emitted (once per worker): it belongs to no call, so fails none.
 */
import { BlockingClosed, BlockingTimeout, BlockingWorkerFailed, ValidationError } from "../errors.js";
import { extractCallbacks } from "./callbacks.js";
import type { CallbackPath, Request } from "./protocol.js";
import { Connection, WaitAborted, type Answer } from "./connection.js";
import { callerFrames, decodeThrown } from "./error-codec.js";
import { moduleHref } from "./spawn.js";

export interface BlockingCoreOptions {
  /** URL (or absolute path) of the module exporting the async core factory. */
  coreModule: string | URL;
  /** Name of the export that builds the core, e.g. "createAsyncCore". */
  factory: string;
  /**
   * Arguments for the factory; structured-cloneable except for functions, at any depth of plain
   * objects and arrays, which become stand-ins (see above). Never shown in errors.
   */
  factoryArgs: unknown[];
  /**
   * Longest a round trip waits without any message from the worker for it, in ms (each message
   * re-arms it: see "Deadline" above); default 600_000 (10 minutes).
   */
  callTimeoutMs?: number;
  /**
   * Time a cold start may take (thread start and loading the core module) before the first
   * call's own `callTimeoutMs` begins, so a short call deadline does not fail a slow start;
   * default 30_000.
   */
  startTimeoutMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 600_000;
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/**
 * How often the worker reports moving bytes ("alive") while a call is in flight: once a second,
 * more often only under a call deadline too short for that to re-arm it in time.
 */
function aliveMs(callTimeoutMs: number): number {
  return Math.min(1000, Math.max(20, callTimeoutMs / 4));
}

function positiveMs(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive finite number of ms`);
  return v;
}

export class BlockingCore {
  readonly #coreModule: string;
  readonly #factory: string;
  readonly #factoryArgs: unknown[];
  readonly #factoryFns: ((...a: unknown[]) => unknown)[];
  readonly #factoryCbs: CallbackPath[];
  readonly #timeoutMs: number;
  readonly #startMs: number;
  #conn: Connection | undefined;
  #lastExit: Promise<number> | undefined;
  #closed = false;

  constructor(options: BlockingCoreOptions) {
    this.#coreModule = moduleHref(options.coreModule);
    this.#factory = options.factory;
    const x = extractCallbacks(options.factoryArgs);
    if (x.sources.length > 0) throw new TypeError("Blocking bridge: factoryArgs cannot hold iterables (pull sources)");
    this.#factoryArgs = x.args;
    this.#factoryFns = x.fns;
    this.#factoryCbs = x.paths;
    this.#timeoutMs = positiveMs("callTimeoutMs", options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    this.#startMs = positiveMs("startTimeoutMs", options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  }

  get closed(): boolean {
    return this.#closed;
  }

  run(op: string, state: object, args: unknown[]): unknown {
    if (this.#closed) throw new BlockingClosed(op);
    const x = extractCallbacks(args, op); // refuses what cannot cross before a worker is involved
    const conn = this.#connection(op);
    const id = conn.open(x.fns, x.sources);
    try {
      sendArgs(conn, { t: "run", id, op, state, args: x.args, cbs: x.paths, srcs: x.sourcePaths });
      const answer = this.#wait(conn, id, id, op);
      if (answer.state !== undefined) Object.assign(state, answer.state);
      const failed = conn.callbackFailure(id);
      if (failed !== undefined) throw failed.error;
      if (answer.t === "err") throw errorOf(conn, id, answer);
      return answer.value;
    } finally {
      conn.release(id);
    }
  }

  iterate(op: string, state: object, args: unknown[]): IterableIterator<unknown> {
    if (this.#closed) throw new BlockingClosed(op);
    extractCallbacks(args, op); // refuses what cannot cross now, not at the first next()
    return new BlockingIterator(this, op, state, args);
  }

  /** Close the core in the worker, then end the worker. Idempotent. */
  close(): void {
    if (this.#closed) return;
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn === undefined || conn.dead !== undefined) {
      this.#closed = true; // never started or already gone: no core to close
      return conn?.kill();
    }
    const id = conn.open();
    try {
      conn.send({ t: "close", id });
      const answer = this.#wait(conn, id, id, "close"); // a timeout here still ends the worker
      if (answer.t === "err") throw decodeThrown(answer.error, callerFrames());
    } finally {
      this.#closed = true;
      conn.release(id);
      conn.kill();
    }
  }

  /** Settles when the most recently started worker thread has ended (tests). @internal */
  _workerExit(): Promise<number> | undefined {
    return this.#lastExit;
  }

  /** The live connection, started on first use. @internal */
  _connection(op: string): Connection {
    return this.#connection(op);
  }

  /** One round trip's wait, turning a timeout or a dead worker into the bridge's errors. @internal */
  _wait(conn: Connection, id: number, set: number, op: string): Answer {
    return this.#wait(conn, id, set, op);
  }

  #connection(op: string): Connection {
    if (this.#closed) throw new BlockingClosed(op);
    if (this.#conn?.dead !== undefined) this.#conn = undefined; // crashed or reset: start afresh
    if (this.#conn === undefined) {
      try {
        this.#conn = new Connection(
          this.#coreModule,
          this.#factory,
          this.#factoryArgs,
          this.#factoryFns,
          this.#factoryCbs,
          aliveMs(this.#timeoutMs),
        );
        this.#lastExit = this.#conn.exited;
      } catch (e) {
        throw new BlockingWorkerFailed(op, "could not start the worker thread", e);
      }
    }
    return this.#conn;
  }

  #wait(conn: Connection, id: number, set: number, op: string): Answer {
    try {
      return conn.wait(id, set, this.#timeoutMs, this.#startMs);
    } catch (e) {
      if (!(e instanceof WaitAborted)) throw e;
      conn.kill();
      if (this.#conn === conn) this.#conn = undefined;
      if (this.#closed) throw new BlockingClosed(op); // closed from a callback while this call waited
      if (e.reason !== "dead") {
        const what =
          e.reason === "timeout"
            ? `did not complete within ${this.#timeoutMs} ms of its worker's last sign of life`
            : `could not start: the worker did not load the core within ${this.#startMs} ms`;
        throw new BlockingTimeout({
          status: 0,
          code: "blocking_timeout",
          message: `${op} ${what}; its worker was reset`,
          operation: op,
        });
      }
      const cause = e.detail === undefined ? undefined : decodeThrown(e.detail);
      throw new BlockingWorkerFailed(op, "the worker thread exited", cause);
    }
  }
}

/**
 * Sends a request carrying the caller's args. A value structured clone refuses (one the walk in
 * extractCallbacks does not know, e.g. a Promise or a function inside a class instance) becomes
 * a ValidationError; nothing reached the worker.
 */
function sendArgs(conn: Connection, req: Extract<Request, { t: "run" | "open" }>): void {
  try {
    conn.send(req);
  } catch (e) {
    const clone =
      (e instanceof Error && e.name === "DataCloneError") ||
      (e as { code?: unknown } | null)?.code === "ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST";
    if (!clone) throw e;
    throw new ValidationError(
      `${req.op}: an argument cannot be sent to the Blocking client's worker thread (${(e as Error).message}); ` +
        "pass plain data: strings, numbers, plain objects, arrays, Uint8Array, or a sync iterable of Uint8Array chunks",
      req.op,
    );
  }
}

/** The error a failed answer stands for: the caller's own object when a pull source of `set` threw it. */
function errorOf(conn: Connection, set: number, answer: Extract<Answer, { t: "err" }>): unknown {
  const own = conn.sourceFailure(set, answer.src);
  return own !== undefined ? own.error : decodeThrown(answer.error, callerFrames());
}

/**
 * A sync iterator over a worker-side async iterator, one item per round trip (an HTTP page or
 * chunk costs far more than the ~0.1 ms trip, and prefetching would start requests the caller
 * may never want). Opened on the first next(); `return()` (an early break) releases the
 * worker-side iterator, so its `finally` blocks run.
 */
class BlockingIterator implements IterableIterator<unknown> {
  #phase: "new" | "open" | "done" = "new";
  /** Items the worker sent ahead (ready there, e.g. the rest of a listing page). */
  #ahead: unknown[] = [];
  #aheadAt = 0;
  #conn: Connection | undefined;
  #set = 0;
  readonly #core: BlockingCore;
  readonly #op: string;
  readonly #state: object;
  readonly #args: unknown[];

  constructor(core: BlockingCore, op: string, state: object, args: unknown[]) {
    this.#core = core;
    this.#op = op;
    this.#state = state;
    this.#args = args;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown> {
    if (this.#aheadAt < this.#ahead.length) return { done: false, value: this.#ahead[this.#aheadAt++] };
    if (this.#phase === "done") return { done: true, value: undefined };
    if (this.#phase === "new") this.#open();
    const conn = this.#live();
    const id = conn.open();
    let answer: Answer;
    try {
      conn.send({ t: "next", id, it: this.#set });
      answer = this.#roundTrip(conn, id);
    } finally {
      conn.release(id);
    }
    if (answer.state !== undefined) Object.assign(this.#state, answer.state);
    const failed = conn.callbackFailure(this.#set);
    if (failed !== undefined) {
      // The caller's for-of will not call return() after a throwing next(): release here.
      if (answer.t === "ok" && answer.done !== true) this.#release(conn);
      this.#finish();
      throw failed.error;
    }
    if (answer.t === "err") {
      const error = errorOf(conn, this.#set, answer);
      this.#finish(); // the worker dropped it already
      throw error;
    }
    if (answer.done === true) {
      this.#finish();
      return { done: true, value: answer.value };
    }
    this.#ahead = answer.more ?? [];
    this.#aheadAt = 0;
    return { done: false, value: answer.value };
  }

  return(value?: unknown): IteratorResult<unknown> {
    this.#ahead = [];
    this.#aheadAt = 0;
    if (this.#phase === "open") {
      const conn = this.#conn as Connection;
      try {
        if (conn.dead === undefined && !this.#core.closed) this.#release(conn);
      } finally {
        this.#finish();
      }
    }
    this.#phase = "done";
    return { done: true, value };
  }

  #open(): void {
    const conn = this.#core._connection(this.#op);
    const x = extractCallbacks(this.#args, this.#op);
    const set = conn.open(x.fns, x.sources);
    this.#conn = conn;
    this.#set = set;
    this.#phase = "open";
    try {
      const { args, paths: cbs, sourcePaths: srcs } = x;
      sendArgs(conn, { t: "open", id: set, op: this.#op, state: this.#state, args, cbs, srcs });
      const answer = this.#roundTrip(conn, set);
      if (answer.t === "err") throw errorOf(conn, set, answer);
    } catch (e) {
      this.#finish();
      throw e;
    }
  }

  /** The connection this iterator lives on, or the reason it cannot go on. */
  #live(): Connection {
    const conn = this.#conn as Connection;
    if (this.#core.closed) {
      this.#finish();
      throw new BlockingClosed(this.#op);
    }
    if (conn.dead !== undefined) {
      this.#finish();
      throw new BlockingWorkerFailed(
        this.#op,
        "the iterator was lost when its worker thread ended (after a timeout or crash)",
      );
    }
    return conn;
  }

  #roundTrip(conn: Connection, id: number): Answer {
    try {
      return this.#core._wait(conn, id, this.#set, this.#op);
    } catch (e) {
      this.#finish();
      throw e;
    }
  }

  #release(conn: Connection): void {
    const id = conn.open();
    try {
      conn.send({ t: "return", id, it: this.#set });
      // The iterator's set: its finally blocks may still pull from (or return) its sources.
      const answer = this.#core._wait(conn, id, this.#set, this.#op);
      if (answer.state !== undefined) Object.assign(this.#state, answer.state);
      if (answer.t === "err") throw decodeThrown(answer.error, callerFrames());
    } finally {
      conn.release(id);
    }
  }

  #finish(): void {
    this.#phase = "done";
    this.#conn?.release(this.#set);
  }
}
