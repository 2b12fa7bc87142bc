/**
 * B2's retry rules for JSON calls and downloads: 408, 429, 5xx, timeouts and connection errors
 * are retried with exponential back-off and jitter (about 1 s first, capped), `Retry-After`
 * honoured; anything else is thrown at once. When the attempts run out the last error becomes
 * the `cause` of a `RequestAttemptsFailed`.
 */
import { B2Error, ClientClosed, RequestAttemptsFailed } from "../errors.js";

/**
 * The retries one client may make per minute, all calls together (each call is further limited
 * by `maxAttempts`): when B2 is down, a busy client stops retrying instead of storming it.
 */
export class RetryBudget {
  readonly #stamps: number[] = [];
  constructor(
    readonly perMinute: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Takes one retry from the budget; false when the last minute's retries used it up. */
  spend(): boolean {
    const t = this.now();
    while (this.#stamps.length > 0 && (this.#stamps[0] as number) <= t - 60_000) this.#stamps.shift();
    if (this.#stamps.length >= this.perMinute) return false;
    this.#stamps.push(t);
    return true;
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  /** The client's shared retry budget (absent: unlimited). */
  budget?: RetryBudget | undefined;
  initialMs: number;
  maxMs: number;
  /** Waits; tests replace it to observe delays without sleeping. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: ((line: string) => void) | undefined;
}

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof B2Error) || error instanceof ClientClosed) return false;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

/** A 401 that a fresh account authorization cures. */
export function isAuthExpired(error: unknown): boolean {
  return (
    error instanceof B2Error &&
    error.status === 401 &&
    (error.code === "expired_auth_token" || error.code === "bad_auth_token" || error.code === "unauthorized_token")
  );
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return retryAfterSeconds * 1000;
  const base = Math.min(policy.maxMs, policy.initialMs * 1.5 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export const BUDGET_SPENT = " (the client's retry budget for this minute is spent)";

/** Takes a retry from the client's budget, if it has one. */
export function spendRetry(policy: RetryPolicy): boolean {
  return policy.budget ? policy.budget.spend() : true;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function exhausted(operation: string, attempts: number, last: unknown, why = ""): RequestAttemptsFailed {
  const b2 = last instanceof B2Error ? last : undefined;
  return new RequestAttemptsFailed({
    status: b2?.status ?? 0,
    code: b2?.code ?? "attempts_failed",
    message: `${operation} failed after ${attempts} attempts${why}: ${last instanceof Error ? last.message : String(last)}`,
    operation,
    cause: last,
  });
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the attempts run out.
 * `onRetryable` may act before the next try (e.g. drop an upload URL).
 */
export async function retrying<T>(
  policy: RetryPolicy,
  operation: string,
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
  shouldRetry: (error: unknown) => boolean = isRetryable,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted || !shouldRetry(error)) throw error;
      if (n >= policy.maxAttempts) throw policy.maxAttempts > 1 ? exhausted(operation, n, error) : error;
      if (!spendRetry(policy)) throw exhausted(operation, n, error, BUDGET_SPENT);
      const wait = backoffMs(n, policy, error instanceof B2Error ? error.retryAfter : undefined);
      policy.log?.(`${operation}: attempt ${n} failed (${error instanceof B2Error ? `${error.status} ${error.code}` : "error"}); retrying in ${wait} ms`);
      await policy.sleep(wait, signal);
    }
  }
}
