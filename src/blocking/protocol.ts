/**
 * Messages between the Blocking bridge (caller thread) and its worker. The caller posts
 * requests on a MessagePort; the worker answers on the same port and then raises the shared
 * flag (Atomics.store + notify) so the caller, parked in Atomics.wait, wakes up and drains the
 * port with receiveMessageOnPort.
 */
import type { Encoded } from "./error-codec.js";

/** A path from the args array to a function that was replaced for crossing. */
export type CallbackPath = (string | number)[];

export type Request =
  | { t: "run"; id: number; op: string; state: object; args: unknown[]; cbs: CallbackPath[] }
  | { t: "open"; id: number; op: string; state: object; args: unknown[]; cbs: CallbackPath[] }
  | { t: "next"; id: number; it: number }
  | { t: "return"; id: number; it: number }
  /** Sent when a caller-side callback threw: the worker's proxies for `set` throw from now on. */
  | { t: "cancel"; set: number }
  | { t: "close"; id: number };

export type Reply =
  /** `state` is the worker-side handle state after the call, copied back by the caller. */
  | { t: "ok"; id: number; value: unknown; state?: object; done?: boolean }
  | { t: "err"; id: number; error: Encoded; state?: object }
  /** A worker-side proxy was called: run callback `idx` of callback set `set` on the caller. */
  | { t: "ev"; set: number; idx: number; args: unknown[] }
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
}

/** Raise the wake-up flag after posting, so a parked caller returns from Atomics.wait. */
export function wake(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
