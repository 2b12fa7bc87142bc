/**
 * Worker entry of the Blocking bridge: loads the async core module, builds the core with the
 * factory, and serves requests from the caller's port. Every answer is followed by a wake-up of
 * the caller (see protocol.ts). Iterators opened by the caller live here, by id.
 */
import { workerData } from "node:worker_threads";
import { installCallbacks } from "./callbacks.js";
import { cloneable, encodeThrown } from "./error-codec.js";
import { ACKED, FACTORY_SET, THREW, wake, type CallbackPath, type Reply, type Request, type WorkerInit } from "./protocol.js";
import { activity } from "../core/activity.js";
import { holdHeapHeadroom } from "../core/heap-headroom.js";
import { readyItems } from "../core/ready-items.js";
import { prepareTransfer } from "./transfer.js";
import { sourceErrorIndex, WorkerSource } from "./worker-source.js";

interface AsyncCoreLike {
  run(op: string, state: object, args: unknown[]): Promise<unknown>;
  iterate(op: string, state: object, args: unknown[]): AsyncIterable<unknown>;
  close(): Promise<void>;
}

interface OpenIterator {
  it: AsyncIterator<unknown>;
  state: object;
}

holdHeapHeadroom(); // for the worker's life, never released (core/heap-headroom.ts)
const init = (workerData as { init: WorkerInit }).init;
const { port } = init;
const flag = new Int32Array(init.flag);

/**
 * The abort reason of a call whose caller-side callback threw, and what its proxies throw from
 * then on. The caller throws its callback's own error instead.
 */
class CallbackAborted extends Error {
  override name = "CallbackAborted";
}

/** Most items one iterator round trip carries (bounds the message). */
const MAX_BATCH = 1000;
const cancelled = new Set<number>();
/**
 * Per call (run id or iterator id) with callbacks: the signal given to the settings objects that
 * carry them. A throwing callback on the caller aborts it, so the operation stops where it is
 * (mid-body, between parts) as in the Awaiting client, instead of completing first. Blocking
 * refuses users' signals (callbacks.ts), so `signal` is free there.
 */
const aborts = new Map<number, AbortController>();
/**
 * Calls (run id or iterator id) the caller is waiting on now, so it runs their callbacks at once:
 * a proxy of one waits for the caller's verdict (at most VERDICT_MS) before it returns, and
 * throws if the callback threw. So a callback that throws stops the operation at that very
 * point, before anything irreversible (a small upload sent whole, a download renamed into
 * place), as in the Awaiting client. A call whose verdict came late (a slow callback, one that
 * makes a Blocking call on another bridge) stops waiting for its later events; a callback that
 * throws then, or one of a call not waited on (an iterator between items), aborts its signal
 * ("cancel"). The wait blocks the worker's thread, as the callback itself would in Awaiting.
 */
const waited = new Set<number>();
const late = new Set<number>();
let lastSeq = 0;
const VERDICT_MS = 50;
const iterators = new Map<number, OpenIterator>();
/** Pull sources of each live call (run id or iterator id). */
const sources = new Map<number, WorkerSource[]>();

function post(msg: Reply, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer);
  } catch (e) {
    if (transfer.length > 0) {
      // Some buffers refuse transfer (marked untransferable): fall back to a copy.
      port.postMessage(msg);
    } else if (msg.t === "ok") {
      port.postMessage({ t: "err", id: msg.id, error: encodeThrown(e) } satisfies Reply);
    } else {
      throw e;
    }
  }
  wake(flag);
}

/** Fail request `id`; if `e` is what a pull source of `set` threw, say which, so the caller rethrows its original. */
function fail(id: number, e: unknown, state?: object, set?: number): void {
  const src = set === undefined ? undefined : sourceErrorIndex(e, set);
  post({ t: "err", id, error: encodeThrown(e), ...(state ? { state } : {}), ...(src !== undefined ? { src } : {}) });
}

/** A stand-in was called: report it. Arguments structured clone refuses are sent as strings rather than failing the core. */
function postEvent(set: number, idx: number, args: unknown[], seq?: number): void {
  const s = seq !== undefined ? { seq } : {};
  try {
    post({ t: "ev", set, idx, args, ...s });
  } catch {
    post({ t: "ev", set, idx, args: args.map((a) => (cloneable(a) ? a : String(a))), ...s });
  }
}

/** Whether the caller's callback for event `seq` threw; false if its verdict is late (see `waited`). */
function callbackThrew(set: number, seq: number): boolean {
  const until = Date.now() + VERDICT_MS;
  for (;;) {
    const acked = Atomics.load(flag, ACKED);
    if (acked >= seq) return Atomics.load(flag, THREW) === seq;
    const left = until - Date.now();
    if (left <= 0) {
      late.add(set);
      return false;
    }
    Atomics.wait(flag, ACKED, acked, left);
  }
}

/** The caller's callback for call `set` threw: stop the call. */
function cancel(set: number): void {
  const controller = aborts.get(set);
  if (controller === undefined) return; // the call is over already
  cancelled.add(set);
  controller.abort(new CallbackAborted("the caller's callback threw; call aborted"));
}

/** The call `set` is over: its pull sources stop waiting for the caller. */
function endSet(set: number): void {
  cancelled.delete(set);
  aborts.delete(set);
  late.delete(set);
  for (const src of sources.get(set) ?? []) src.end();
  sources.delete(set);
}

// Functions in factoryArgs (e.g. a logger) become stand-ins that report every call; the caller
// runs the original whenever it waits on this bridge. They return nothing, like any event.
installCallbacks(
  init.factoryArgs,
  init.factoryCbs ?? [],
  (idx) =>
    (...a: unknown[]) =>
      postEvent(FACTORY_SET, idx, a),
);

const core: Promise<AsyncCoreLike> = (async () => {
  const mod = (await import(init.coreModule)) as Record<string, unknown>;
  const factory = mod[init.factory];
  if (typeof factory !== "function") {
    throw new TypeError(`Blocking bridge: ${init.coreModule} has no exported function ${init.factory}`);
  }
  return (await factory(...init.factoryArgs)) as AsyncCoreLike;
})();
core.then(
  () => post({ t: "ready" }),
  () => post({ t: "ready" }), // the load error itself is reported to each call
);

function withStandIns(set: number, args: unknown[], paths: CallbackPath[], srcs: CallbackPath[]): unknown[] {
  installCallbacks(args, paths, (idx) => (...a: unknown[]) => {
    if (cancelled.has(set)) throw new CallbackAborted("the caller's callback threw; call aborted");
    const seq = waited.has(set) && !late.has(set) ? ++lastSeq : undefined;
    postEvent(set, idx, a, seq);
    if (seq !== undefined && callbackThrew(set, seq)) {
      cancel(set);
      throw new CallbackAborted("the caller's callback threw; call aborted");
    }
  });
  if (paths.length > 0) {
    const controller = new AbortController();
    aborts.set(set, controller);
    for (const path of paths) {
      if (path.length < 2) continue; // a function as a top-level argument: no settings object
      let holder = args as unknown as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
      if (!Array.isArray(holder) && holder.signal === undefined) holder.signal = controller.signal;
    }
  }
  if (srcs.length > 0) {
    const list = srcs.map((_, idx) => new WorkerSource(set, idx, (op) => post({ t: "pull", set, idx, op })));
    sources.set(set, list);
    installCallbacks(args, srcs, (idx) => list[idx]);
  }
  return args;
}

async function handle(msg: Request): Promise<void> {
  switch (msg.t) {
    case "run": {
      const { id, op, state } = msg;
      try {
        const c = await core;
        const value = await c.run(op, state, withStandIns(id, msg.args, msg.cbs, msg.srcs ?? []));
        endSet(id);
        const p = prepareTransfer(value);
        post({ t: "ok", id, value: p.value, state }, p.transfer);
      } catch (e) {
        endSet(id);
        fail(id, e, state, id); // the core may have advanced state before failing
      }
      return;
    }
    case "open": {
      const { id, op, state } = msg;
      try {
        const c = await core;
        const it = c.iterate(op, state, withStandIns(id, msg.args, msg.cbs, msg.srcs ?? []))[Symbol.asyncIterator]();
        iterators.set(id, { it, state });
        post({ t: "ok", id, value: undefined });
      } catch (e) {
        endSet(id);
        fail(id, e, undefined, id);
      }
      return;
    }
    case "next": {
      const { id } = msg;
      const entry = iterators.get(msg.it);
      if (entry === undefined) return fail(id, new Error(`Blocking bridge: iterator ${msg.it} is not open`));
      try {
        const r = await entry.it.next();
        if (r.done === true) {
          iterators.delete(msg.it);
          endSet(msg.it);
        }
        // Items the iterator already holds go along (a listing page: one round trip, not one per item).
        const more: unknown[] = [];
        if (r.done !== true) {
          while (more.length < MAX_BATCH && readyItems(entry.it) > 0) {
            const again = await entry.it.next();
            if (again.done === true) break;
            more.push(again.value);
          }
        }
        const p = prepareTransfer(more.length > 0 ? [r.value, ...more] : r.value);
        const value = more.length > 0 ? (p.value as unknown[])[0] : p.value;
        const rest = more.length > 0 ? (p.value as unknown[]).slice(1) : undefined;
        post({ t: "ok", id, value, state: entry.state, done: r.done === true, ...(rest ? { more: rest } : {}) }, p.transfer);
      } catch (e) {
        iterators.delete(msg.it); // a throwing next() ends the iteration, as in for-await
        endSet(msg.it);
        fail(id, e, entry.state, msg.it);
      }
      return;
    }
    case "return": {
      const { id } = msg;
      const entry = iterators.get(msg.it);
      iterators.delete(msg.it);
      try {
        // Sources stay served while the iterator's finally blocks run (they may return() them).
        if (entry?.it.return !== undefined) await entry.it.return();
        endSet(msg.it);
        post({ t: "ok", id, value: undefined, ...(entry ? { state: entry.state } : {}) });
      } catch (e) {
        endSet(msg.it);
        fail(id, e);
      }
      return;
    }
    case "chunk":
      sources.get(msg.set)?.[msg.idx]?.deliver(msg);
      return;
    case "cancel":
      cancel(msg.set);
      return;
    case "close": {
      const { id } = msg;
      try {
        for (const [key, entry] of iterators) {
          iterators.delete(key);
          endSet(key); // no caller serves its sources during close: they end rather than wait
          await entry.it.return?.().catch(() => {}); // closing anyway; the core's close() matters more
        }
        const c = await core.catch(() => undefined); // a core that never loaded has nothing to close
        await c?.close();
        post({ t: "ok", id, value: undefined });
      } catch (e) {
        fail(id, e);
      }
      return;
    }
  }
}

// A crash must wake a parked caller rather than leave it waiting for its deadline.
process.on("uncaughtException", (e) => {
  try {
    post({ t: "dead", error: encodeThrown(e) });
  } finally {
    process.exit(1);
  }
});
process.on("exit", () => post({ t: "dead" }));

/**
 * Signs of life: while a call is in flight, every `aliveMs` the worker posts "alive" if bytes
 * moved since the last look or an upload awaits its answer (core/activity.ts), so a transfer
 * that moves data outlives the caller's callTimeout without any user callback, and one whose
 * bytes stop does not. One message per `aliveMs` at most: nothing per chunk.
 */
let inFlight = 0;
let aliveTimer: ReturnType<typeof setInterval> | undefined;
let lastMoved = 0;
async function serving(msg: Request): Promise<void> {
  if (inFlight++ === 0) {
    lastMoved = activity().moved;
    aliveTimer = setInterval(() => {
      const now = activity();
      if (now.moved === lastMoved && !now.awaiting) return;
      lastMoved = now.moved;
      post({ t: "alive" });
    }, init.aliveMs ?? 1000);
  }
  const set = msg.t === "run" || msg.t === "open" ? msg.id : msg.t === "next" || msg.t === "return" ? msg.it : undefined;
  if (set !== undefined) waited.add(set);
  try {
    await handle(msg);
  } finally {
    if (set !== undefined) waited.delete(set);
    if (--inFlight === 0) clearInterval(aliveTimer);
  }
}

port.on("message", (msg: Request) => void (msg.t === "chunk" || msg.t === "cancel" ? handle(msg) : serving(msg)));
