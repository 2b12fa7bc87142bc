/**
 * The async engine behind both hierarchies: Awaiting runs it in-process, Blocking in its worker.
 * It dispatches table rows: generic `call`/`paginated`/`handle` rows through table-exec, `custom`
 * and `stream` rows to their hand-written implementations.
 */
import { setMaxListeners } from "node:events";
import { inspect } from "node:util";
import { operationTable } from "../../generated/operations.js";
import type { ClientOptions } from "../options.js";
import { resolveOptions } from "../options.js";
import { ClientClosed } from "../errors.js";
import { concealSecrets } from "./conceal.js";
import { READY_ITEMS, readyItems } from "./ready-items.js";
import { Api } from "./api.js";
import type { Context } from "./context.js";
import type { ArgsOf, AsyncEngine, HandleOp, IterOp, ItemOf, ResultOf, RunOp, StateOf } from "./engine-types.js";
import { createApiClient } from "./http.js";
import { customOps, streamOps } from "./ops/index.js";
import { defaultSleep, RetryBudget, type RetryPolicy } from "./retry.js";
import { Session } from "./session.js";
import { buildHandle, executeCall, paginate, type RuntimeRow } from "./table-exec.js";
import { UploadUrlPool } from "./upload-pool.js";

const rows = operationTable as unknown as Record<string, RuntimeRow>;

function rowOf(op: string): RuntimeRow {
  const row = rows[op];
  if (!row) throw new TypeError(`unknown operation ${op}`);
  return row;
}

export class CoreEngine implements AsyncEngine {
  readonly #ctx: Context;
  #closed = false;
  /** Aborted by close(): attempts and back-offs still running (an open iterator, a transfer) stop. */
  readonly #closing = new AbortController();

  constructor(keyId: string, key: string, options: ClientOptions = {}) {
    const closed = this.#closing.signal;
    setMaxListeners(0, closed); // one listener per request in flight: many is normal, not a leak
    const resolved = { ...resolveOptions(options), closed };
    const policy: RetryPolicy = {
      maxAttempts: resolved.maxAttempts,
      budget: new RetryBudget(resolved.retryBudget),
      initialMs: resolved.backoffInitialMs,
      maxMs: resolved.backoffMaxMs,
      sleep: (ms, signal) => defaultSleep(ms, signal ? AbortSignal.any([signal, closed]) : closed),
      log: resolved.logger,
    };
    const client = createApiClient(resolved);
    const session = new Session(keyId, key, client, resolved, policy);
    this.#ctx = {
      api: new Api(session, client, resolved, policy),
      client,
      options: resolved,
      policy,
      uploadUrls: new UploadUrlPool(),
      partUrls: new UploadUrlPool(),
    };
  }

  /** For tests and tools: the engine's context (retry policy, pools). */
  get context(): Context {
    return this.#ctx;
  }

  async run<O extends RunOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): Promise<ResultOf<O>> {
    this.#checkOpen(op);
    const row = rowOf(op);
    if (row.kind === "call") return concealSecrets((await executeCall(this.#ctx, row, state, args)) as ResultOf<O>);
    const impl = (customOps as Record<string, (ctx: Context, state: object, ...args: unknown[]) => Promise<unknown>>)[op];
    if (!impl) throw new TypeError(`no implementation for ${op}`);
    return concealSecrets((await impl(this.#ctx, state, ...(args as unknown[]))) as ResultOf<O>);
  }

  iterate<O extends IterOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): AsyncIterable<ItemOf<O>> {
    this.#checkOpen(op);
    const row = rowOf(op);
    if (row.kind === "paginated") return this.#untilClosed(op, paginate(this.#ctx, row, state, args) as AsyncIterable<ItemOf<O>>);
    const impl = (streamOps as Record<string, (ctx: Context, state: object, ...args: unknown[]) => AsyncIterable<unknown>>)[op];
    if (!impl) throw new TypeError(`no implementation for ${op}`);
    return this.#untilClosed(op, impl(this.#ctx, state, ...(args as unknown[])) as AsyncIterable<ItemOf<O>>);
  }

  /** After close(), next() ends the iteration (its finally blocks run) and throws ClientClosed, as Blocking's does. */
  #untilClosed<T>(op: string, source: AsyncIterable<T>): AsyncIterable<T> {
    const isClosed = (): boolean => this.#closed;
    return {
      [Symbol.asyncIterator](): AsyncIterator<T> {
        const it = source[Symbol.asyncIterator]();
        const wrapped: AsyncIterableIterator<T> & { [READY_ITEMS](): number } = {
          // The Blocking worker sends the items a page already holds in one round trip (ready-items.ts).
          [READY_ITEMS]: () => readyItems(it),
          [Symbol.asyncIterator]() {
            return this;
          },
          async next() {
            if (isClosed()) {
              await it.return?.();
              throw new ClientClosed(op);
            }
            return it.next();
          },
          return: async (value?: unknown) => (it.return ? it.return(value) : { done: true, value: value as T }),
        };
        return wrapped;
      },
    };
  }

  handle<O extends HandleOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O> {
    return buildHandle(rowOf(op), { state, args }) as ResultOf<O>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort(new ClientClosed("close"));
    this.#ctx.uploadUrls.clear();
    this.#ctx.partUrls.clear();
  }

  #checkOpen(op: string): void {
    if (this.#closed) throw new ClientClosed(op);
  }

  [inspect.custom](): string {
    return `CoreEngine { closed: ${this.#closed} }`;
  }
}

export function createAsyncEngine(keyId: string, key: string, options: ClientOptions = {}): AsyncEngine {
  return new CoreEngine(keyId, key, options);
}

/** The handle-state builder alone (no I/O): the Blocking side uses it on the caller's thread. */
export function localHandle<O extends HandleOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O> {
  return buildHandle(rowOf(op), { state, args }) as ResultOf<O>;
}

/** Factory the Blocking bridge's worker calls (structured-cloneable arguments only). */
export function createCore(keyId: string, key: string, options: ClientOptions = {}): AsyncEngine {
  return createAsyncEngine(keyId, key, options);
}
