/**
 * Messages between the Blocking bridge (caller thread) and its worker. The caller posts
 * requests on a MessagePort; the worker answers on the same port and then raises the shared
 * flag (Atomics.store + notify) so the caller, parked in Atomics.wait, wakes up and drains the
 * port with receiveMessageOnPort.
 */
import type { Encoded } from "./error-codec.js";

/** A path from the args array to a function that was replaced for crossing. */
export type CallbackPath = (string | number)[];

/** Set of the callbacks given in factoryArgs: live for the whole life of the worker. */
export const FACTORY_SET = 0;

export type Request =
  /** `srcs`: paths of the pull sources (sync iterables) replaced in `args`. */
  | { t: "run"; id: number; op: string; state: object; args: unknown[]; cbs: CallbackPath[]; srcs: CallbackPath[] }
  | { t: "open"; id: number; op: string; state: object; args: unknown[]; cbs: CallbackPath[]; srcs: CallbackPath[] }
  | { t: "next"; id: number; it: number }
  | { t: "return"; id: number; it: number }
  /**
   * Sent when a caller-side callback threw: the worker aborts the call's signal and its proxies
   * for `set` throw from now on.
   */
  | { t: "cancel"; set: number }
  | { t: "close"; id: number }
  /**
   * The caller's answer to a "pull": the next chunk (`done` false), the end (`done` true), or
   * what the caller's iterator threw.
   */
  | { t: "chunk"; set: number; idx: number; done: boolean; value?: Uint8Array; error?: Encoded };

export type Reply =
  /** `state` is the worker-side handle state after the call, copied back by the caller. */
  /** `more`: further items of an iterator that were ready, in order after `value`. */
  | { t: "ok"; id: number; value: unknown; state?: object; done?: boolean; more?: unknown[] }
  /** `src`: the error is the one pull source `src` of the call threw (the caller rethrows its original). */
  | { t: "err"; id: number; error: Encoded; state?: object; src?: number }
  /**
   * A worker-side proxy was called: run callback `idx` of callback set `set` on the caller. With
   * `seq`, the worker waits (briefly) for the caller's verdict on it: see `ackEvent`.
   */
  | { t: "ev"; set: number; idx: number; args: unknown[]; seq?: number }
  /** The worker-side consumer of pull source `idx` of `set` wants its next item, or stops early. */
  | { t: "pull"; set: number; idx: number; op: "next" | "return" }
  /**
   * Bytes moved in the worker since its last report while a call was in flight (core/activity.ts):
   * a sign of life for the waiting call, never shown to user code. At most one per `aliveMs`.
   */
  | { t: "alive" }
  /** The worker has loaded the core module (or failed to): cold start is over. */
  | { t: "ready" }
  /** The worker is going away (crash, exit, failed start); every waiting call fails. */
  | { t: "dead"; error?: Encoded };

/** What the bootstrap hands the worker entry through workerData. */
export interface WorkerInit {
  port: import("node:worker_threads").MessagePort;
  flag: SharedArrayBuffer;
  coreModule: string;
  factory: string;
  factoryArgs: unknown[];
  /** Paths of the functions replaced in factoryArgs (events of FACTORY_SET). */
  factoryCbs: CallbackPath[];
  /** How often the worker checks for moving bytes while a call is in flight ("alive"). */
  aliveMs?: number;
}

/**
 * Slots of the shared Int32Array after the wake-up flag (slot 0): the caller's verdicts on
 * callback events that carry a `seq`. ACKED: the highest seq the caller is done with (ran the
 * callback, skipped it, or let the worker go on while it runs); THREW: the last seq whose
 * callback threw.
 */
export const ACKED = 1;
export const THREW = 2;
/** Bytes of the shared buffer: the three slots. */
export const FLAG_BYTES = 12;

/** Caller side: the worker may go on after event `seq` (and stop the call when `threw`). */
export function ackEvent(flag: Int32Array, seq: number, threw: boolean): void {
  if (threw) Atomics.store(flag, THREW, seq);
  for (;;) {
    const acked = Atomics.load(flag, ACKED);
    if (acked >= seq) return; // a late verdict (the worker went on without it) never goes back
    if (Atomics.compareExchange(flag, ACKED, acked, seq) === acked) break;
  }
  Atomics.notify(flag, ACKED);
}

/** Raise the wake-up flag after posting, so a parked caller returns from Atomics.wait. */
export function wake(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
