/**
 * One worker and the caller's end of its port. The caller parks in Atomics.wait (always with a
 * deadline) and drains the port with receiveMessageOnPort when woken.
 *
 * Messages are routed by key: a reply by its request id, a callback event by its callback set
 * (the id of the run, or of the iterator). A callback may itself make a Blocking call, so a
 * nested wait can drain messages meant for the outer one: those are kept, in arrival order, in
 * an inbox while their key is live, and dropped otherwise (answers nobody waits for any more).
 *
 * Pull requests of a call's sources are routed like its callback events. Events of the
 * functions in factoryArgs (FACTORY_SET) belong to no call: they are run by whichever wait
 * drains them. Ones the worker posts while no call waits stay in the port, in order, and run at
 * the start of the next wait on this bridge (or are dropped with the worker).
 *
 * An event with a `seq` holds the worker until the caller is done with it (protocol.ts
 * ackEvent): after its callback ran, when it is dropped or skipped, or at once when its
 * callback makes a call on this bridge (the worker must serve it) or is already running below
 * a nested wait.
 */
import { receiveMessageOnPort, type MessagePort, type Worker } from "node:worker_threads";
import { CallerSource } from "./caller-source.js";
import { encodeThrown, type Encoded } from "./error-codec.js";
import { ackEvent, FACTORY_SET, type CallbackPath, type Reply, type Request } from "./protocol.js";
import { spawnWorker } from "./spawn.js";

type Fn = (...a: unknown[]) => unknown;

interface CallbackSet {
  fns: Fn[];
  sources: CallerSource[];
  /** The first error a callback threw; later events of the set are ignored. */
  failed?: { error: unknown };
}

export type Answer = Extract<Reply, { t: "ok" } | { t: "err" }>;

/** Why waiting stopped without an answer. */
export class WaitAborted extends Error {
  constructor(
    readonly reason: "timeout" | "start-timeout" | "dead",
    readonly detail?: Encoded,
  ) {
    super(reason);
  }
}

function keyOf(m: Reply): number | undefined {
  return m.t === "ev" || m.t === "pull" ? m.set : m.t === "dead" || m.t === "ready" || m.t === "alive" ? undefined : m.id;
}

export class Connection {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  #nextId = 1;
  readonly #inbox: Reply[] = [];
  readonly #live = new Set<number>();
  readonly #callbacks = new Map<number, CallbackSet>();
  #warned = false;
  /** An "alive" came in since a wait last looked: bytes are moving in the worker. */
  #alive = false;
  /** Sets whose callback is running (on the stack: it may make a nested call). */
  readonly #running = new Set<number>();
  /** The seq of the running callback's event while the worker still waits for its verdict. */
  #pendingSeq: number | undefined;
  /** Set once the worker is gone or abandoned; nothing more will be answered. */
  dead: { detail?: Encoded } | undefined;
  /** True once the worker has started and loaded the core module. */
  ready = false;
  /** Settles with the exit code once the worker thread has really ended. */
  readonly exited: Promise<number>;

  constructor(
    coreModule: string,
    factory: string,
    factoryArgs: unknown[],
    factoryFns: Fn[] = [],
    factoryCbs: CallbackPath[] = [],
    aliveMs?: number,
  ) {
    const s = spawnWorker(coreModule, factory, factoryArgs, factoryCbs, aliveMs);
    if (factoryFns.length > 0) {
      this.#live.add(FACTORY_SET);
      this.#callbacks.set(FACTORY_SET, { fns: factoryFns, sources: [] });
    }
    this.#worker = s.worker;
    this.#port = s.port;
    this.#flag = s.flag;
    // Seen only while the caller is not parked; a parked caller learns from the "dead" message.
    this.#worker.on("error", () => this.#markDead());
    this.exited = new Promise((resolve) => {
      this.#worker.on("exit", (code) => {
        this.#markDead();
        resolve(code);
      });
    });
  }

  /** A fresh id whose answers, events and pulls are kept until `release(id)`. */
  open(fns: Fn[] = [], sources: Iterable<unknown>[] = []): number {
    const id = this.#nextId++;
    this.#live.add(id);
    if (fns.length > 0 || sources.length > 0) {
      this.#callbacks.set(id, { fns, sources: sources.map((it) => new CallerSource(it)) });
    }
    return id;
  }

  /** Forget `id`; pull sources the call started and did not finish get their return() run. */
  release(id: number): void {
    this.#live.delete(id);
    const set = this.#callbacks.get(id);
    this.#callbacks.delete(id);
    for (const src of set?.sources ?? []) {
      try {
        src.close();
      } catch {
        // The call's own outcome matters more than a failing cleanup of the caller's iterator.
      }
    }
    for (let i = this.#inbox.length - 1; i >= 0; i--) {
      const m = this.#inbox[i] as Reply;
      if (keyOf(m) !== id) continue;
      this.#inbox.splice(i, 1);
      if (m.t === "ev") this.#ack(m.seq, false);
    }
  }

  /** The error a callback of `set` threw, if any. */
  callbackFailure(set: number): { error: unknown } | undefined {
    return this.#callbacks.get(set)?.failed;
  }

  /** The error pull source `idx` of `set` threw, if any. */
  sourceFailure(set: number, idx: number | undefined): { error: unknown } | undefined {
    return idx === undefined ? undefined : this.#callbacks.get(set)?.sources[idx]?.failed;
  }

  send(req: Request, transfer: ArrayBuffer[] = []): void {
    if (this.#pendingSeq !== undefined && req.t !== "chunk" && req.t !== "cancel") {
      // A callback makes a nested call: the worker, waiting for its verdict, must serve it.
      this.#ack(this.#pendingSeq, false);
      this.#pendingSeq = undefined;
    }
    if (transfer.length === 0) return this.#port.postMessage(req);
    try {
      this.#port.postMessage(req, transfer);
    } catch {
      this.#port.postMessage(req); // a buffer that refuses transfer (untransferable): copy instead
    }
  }

  /**
   * Wait for the answer to request `id`, running the callbacks of `set` as their events come
   * in. `callMs` bounds silence, not the whole call: the wait fails once the worker has sent
   * nothing for it (answer, callback event, pull, an event of FACTORY_SET such as a log line, or
   * an "alive": bytes moved in the worker) for `callMs`. It is counted from when the worker is ready (a cold start first gets up to
   * `startMs` to load the core) and re-armed after each such message has been handled, so time
   * the caller spends in its own callbacks and pulls is not charged to the worker. Throws
   * WaitAborted at the deadline or when the worker dies.
   */
  wait(id: number, set: number, callMs: number, startMs: number): Answer {
    const mine = (m: Reply): boolean => {
      const k = keyOf(m);
      return k === id || k === set || k === FACTORY_SET;
    };
    let starting = !this.ready;
    let deadline = Date.now() + (starting ? startMs : callMs);
    for (;;) {
      Atomics.store(this.#flag, 0, 0); // before draining, so a later post re-raises it
      this.#drain();
      let heard = false;
      let i: number;
      while ((i = this.#inbox.findIndex(mine)) >= 0) {
        const m = this.#inbox.splice(i, 1)[0] as Reply;
        if (m.t === "ev") this.#runCallback(m);
        else if (m.t === "pull") this.#servePull(m);
        else return m as Answer;
        heard = true;
      }
      if (this.#alive) {
        // Process-wide, not per call: while a callback's nested call waits, the outer call's
        // bytes count for it too. Either way the worker is not stuck.
        this.#alive = false;
        heard = true;
      }
      if (this.dead !== undefined) throw new WaitAborted("dead", this.dead.detail);
      if (starting && this.ready) {
        starting = false;
        deadline = Date.now() + callMs;
      } else if (heard && !starting) {
        deadline = Date.now() + callMs; // a sign of life: the call gets callMs anew
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitAborted(starting ? "start-timeout" : "timeout");
      Atomics.wait(this.#flag, 0, 0, remaining);
    }
  }

  /** Run one step of the caller's iterator for the worker and send its answer. */
  #servePull(m: Extract<Reply, { t: "pull" }>): void {
    const src = this.#callbacks.get(m.set)?.sources[m.idx];
    const base = { t: "chunk", set: m.set, idx: m.idx } as const;
    if (src === undefined) return;
    try {
      if (m.op === "return") {
        src.close();
        return this.send({ ...base, done: true });
      }
      const p = src.next();
      this.send({ ...base, done: p.done, ...(p.value !== undefined ? { value: p.value } : {}) }, p.transfer);
    } catch (e) {
      this.send({ ...base, done: true, error: encodeThrown(e) });
    }
  }

  /** End the worker. Pending and later waits on this connection fail. */
  kill(): void {
    this.#markDead();
    void this.#worker.terminate().catch(() => {});
    this.#port.close();
  }

  #markDead(detail?: Encoded): void {
    if (this.dead === undefined) this.dead = detail === undefined ? {} : { detail };
  }

  #drain(): void {
    let r: { message: unknown } | undefined;
    while ((r = receiveMessageOnPort(this.#port)) !== undefined) {
      const m = r.message as Reply;
      if (m.t === "dead") {
        this.#markDead(m.error);
        continue;
      }
      if (m.t === "ready") {
        this.ready = true;
        continue;
      }
      if (m.t === "alive") {
        this.#alive = true;
        continue;
      }
      const k = keyOf(m);
      if (k !== undefined && this.#live.has(k)) this.#inbox.push(m);
      // Dropped, or of a set whose callback is running below a nested wait: do not hold the worker.
      if (m.t === "ev" && (k === undefined || !this.#live.has(k) || this.#running.has(k))) this.#ack(m.seq, false);
    }
  }

  /** The caller is done with event `seq` (if the worker waits for it): see protocol.ts ackEvent. */
  #ack(seq: number | undefined, threw: boolean): void {
    if (seq !== undefined) ackEvent(this.#flag, seq, threw);
  }

  #runCallback(m: Extract<Reply, { t: "ev" }>): void {
    const set = this.#callbacks.get(m.set);
    const fn = set?.failed === undefined ? set?.fns[m.idx] : undefined;
    if (set === undefined || fn === undefined) return this.#ack(m.seq, set?.failed !== undefined);
    this.#pendingSeq = m.seq;
    this.#running.add(m.set);
    let threw = false;
    try {
      fn(...m.args);
    } catch (error) {
      if (m.set === FACTORY_SET) {
        // Belongs to no call, so it aborts none (a logger must not fail an upload): warn, once per worker.
        if (!this.#warned)
          process.emitWarning(
            `a function from the Blocking bridge's factoryArgs threw: ${String(error)}`,
            "B2kitWarning",
          );
        this.#warned = true;
        return;
      }
      // Abort the call: the proxy waiting for this verdict throws (as the callback would in the
      // Awaiting client); if the worker went on meanwhile, "cancel" aborts the call's signal.
      // The caller gets this error once the worker has answered.
      threw = true;
      set.failed = { error };
      this.send({ t: "cancel", set: m.set });
    } finally {
      this.#running.delete(m.set);
      if (this.#pendingSeq === m.seq) this.#ack(m.seq, threw);
      this.#pendingSeq = undefined;
    }
  }
}
