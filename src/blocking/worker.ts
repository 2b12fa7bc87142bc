/**
 * Worker entry of the Blocking bridge: loads the async core module, builds the core with the
 * factory, and serves requests from the caller's port. Every answer is followed by a wake-up of
 * the caller (see protocol.ts). Iterators opened by the caller live here, by id.
 */
import { workerData } from "node:worker_threads";
import { installCallbacks } from "./callbacks.js";
import { encodeThrown } from "./error-codec.js";
import { wake, type CallbackPath, type Reply, type Request, type WorkerInit } from "./protocol.js";
import { prepareTransfer } from "./transfer.js";

interface AsyncCoreLike {
  run(op: string, state: object, args: unknown[]): Promise<unknown>;
  iterate(op: string, state: object, args: unknown[]): AsyncIterable<unknown>;
  close(): Promise<void>;
}

interface OpenIterator {
  it: AsyncIterator<unknown>;
  state: object;
}

const init = (workerData as { init: WorkerInit }).init;
const { port } = init;
const flag = new Int32Array(init.flag);

/** Thrown by a proxy once the caller's callback for that call has thrown (the call is aborted). */
class CallbackAborted extends Error {
  override name = "CallbackAborted";
}

const cancelled = new Set<number>();
const iterators = new Map<number, OpenIterator>();

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

function fail(id: number, e: unknown, state?: object): void {
  post({ t: "err", id, error: encodeThrown(e), ...(state ? { state } : {}) });
}

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

function withProxies(set: number, args: unknown[], paths: CallbackPath[]): unknown[] {
  installCallbacks(args, paths, (idx) => (...a: unknown[]) => {
    if (cancelled.has(set)) throw new CallbackAborted("the caller's callback threw; call aborted");
    post({ t: "ev", set, idx, args: a });
  });
  return args;
}

async function handle(msg: Request): Promise<void> {
  switch (msg.t) {
    case "run": {
      const { id, op, state } = msg;
      try {
        const c = await core;
        const value = await c.run(op, state, withProxies(id, msg.args, msg.cbs));
        const p = prepareTransfer(value);
        post({ t: "ok", id, value: p.value, state }, p.transfer);
      } catch (e) {
        fail(id, e, state); // the core may have advanced state before failing
      } finally {
        cancelled.delete(id);
      }
      return;
    }
    case "open": {
      const { id, op, state } = msg;
      try {
        const c = await core;
        const it = c.iterate(op, state, withProxies(id, msg.args, msg.cbs))[Symbol.asyncIterator]();
        iterators.set(id, { it, state });
        post({ t: "ok", id, value: undefined });
      } catch (e) {
        fail(id, e);
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
          cancelled.delete(msg.it);
        }
        const p = prepareTransfer(r.value);
        post({ t: "ok", id, value: p.value, state: entry.state, done: r.done === true }, p.transfer);
      } catch (e) {
        iterators.delete(msg.it); // a throwing next() ends the iteration, as in for-await
        cancelled.delete(msg.it);
        fail(id, e, entry.state);
      }
      return;
    }
    case "return": {
      const { id } = msg;
      const entry = iterators.get(msg.it);
      iterators.delete(msg.it);
      cancelled.delete(msg.it);
      try {
        if (entry?.it.return !== undefined) await entry.it.return();
        post({ t: "ok", id, value: undefined, ...(entry ? { state: entry.state } : {}) });
      } catch (e) {
        fail(id, e);
      }
      return;
    }
    case "cancel":
      cancelled.add(msg.set);
      return;
    case "close": {
      const { id } = msg;
      try {
        for (const [key, entry] of iterators) {
          iterators.delete(key);
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

port.on("message", (msg: Request) => void handle(msg));
