/**
 * The Blocking client's engine: the async core runs in a worker thread (src/blocking/bridge.ts)
 * and this facade gives it the typed, synchronous `SyncEngine` surface the generated Blocking
 * classes use. Handle states are built locally (no I/O, no worker round trip).
 */
import type { ArgsOf, HandleOp, IterOp, ItemOf, ResultOf, RunOp, StateOf, SyncEngine } from "../core/engine-types.js";
import { localHandle } from "../core/engine.js";
import type { ClientOptions } from "../options.js";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, validateOptions } from "../options.js";
import { concealSecrets } from "../core/conceal.js";
import { ValidationError } from "../errors.js";
import { BlockingCore } from "./bridge.js";

/**
 * `fetch` cannot cross to the worker (its stand-in could not return a response), so it is
 * refused rather than dropped: dropping it would send real HTTP past a test's mock. A `logger`
 * crosses as a stand-in whose lines run on the caller's thread.
 */
function cloneableOptions(options: ClientOptions): ClientOptions {
  const { fetch, ...rest } = options;
  if (fetch !== undefined)
    throw new ValidationError("a custom `fetch` is Awaiting-only: the Blocking client's requests run in its worker thread", "Blocking");
  return rest;
}

/**
 * How long a Blocking call may wait without any message from its worker (each progress event,
 * pull, log line or report of moving bytes re-arms it): longer than every attempt of a call that reports nothing, never
 * unbounded. A transfer that keeps moving data is bounded by the per-attempt `timeout` instead.
 */
function callTimeoutMs(options: ClientOptions): number {
  if (options.callTimeout !== undefined) return options.callTimeout * 1000;
  const perAttempt = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  const attempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return Math.max(600, perAttempt * attempts * 4) * 1000;
}

class BlockingEngine implements SyncEngine {
  readonly #bridge: BlockingCore;

  constructor(keyId: string, key: string, options: ClientOptions) {
    // Here, on the caller's thread: the worker (which checks them again) starts only on the first call.
    validateOptions(options);
    this.#bridge = new BlockingCore({
      coreModule: new URL("../core/engine.js", import.meta.url),
      factory: "createCore",
      factoryArgs: [keyId, key, cloneableOptions(options)],
      callTimeoutMs: callTimeoutMs(options),
    });
  }

  run<O extends RunOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O> {
    // Models come back by structured clone, which drops the inspect hook the worker's core set.
    return concealSecrets(this.#bridge.run(op, state, args as unknown[]) as ResultOf<O>);
  }

  iterate<O extends IterOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): Iterable<ItemOf<O>> {
    return this.#bridge.iterate(op, state, args as unknown[]) as Iterable<ItemOf<O>>;
  }

  handle<O extends HandleOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O> {
    return localHandle(op, state, args);
  }

  close(): void {
    this.#bridge.close();
  }
}

export function createBlockingEngine(keyId: string, key: string, options: ClientOptions = {}): SyncEngine {
  return new BlockingEngine(keyId, key, options);
}
