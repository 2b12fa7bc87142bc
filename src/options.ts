/** Options of both clients. Everything here must be structured-cloneable, except `fetch`, which
 * only the Awaiting client can use, and `logger`, whose lines the Blocking client delivers on the
 * caller's thread. */
export interface ClientOptions {
  /** Seconds per request attempt, covering a stalled body too (default 30). */
  timeout?: number;
  /**
   * Smallest part of `uploadFile` (its parts grow toward B2's `recommendedPartSize` and are
   * balanced over the lanes), part size of `parts.file`, chunk size for downloads
   * (default 5_000_024 bytes).
   */
  chunkSize?: number;
  /** Authorization endpoint (default `B2_AUTH_URL`, else `https://api.backblazeb2.com`). */
  authUrl?: string;
  /** Attempts per call for retryable failures (default 5; 1 disables retries). */
  maxAttempts?: number;
  /** Retries per minute for the whole client, all calls together (default 600). */
  retryBudget?: number;
  /** Parallel part uploads / ranged downloads per transfer (default 4). */
  concurrency?: number;
  /** Extra headers sent with every request (for example `X-Bz-Test-Mode`). */
  headers?: Record<string, string>;
  /** Added to the `User-Agent` header. */
  userAgent?: string;
  /** A `fetch` implementation (Awaiting only). */
  fetch?: typeof fetch;
  /** Receives a line per retry, re-authorization and resume decision, never with secrets. */
  logger?: (line: string) => void;
  /** Blocking only: seconds one whole call may take before it fails with BlockingTimeout
   * (default: generous enough for every attempt of a slow transfer). */
  callTimeout?: number;
  /** Back-off tuning: first delay and cap, in seconds (default 1 and 64). */
  backoff?: { initial?: number; max?: number };
}

export const DEFAULT_AUTH_URL = "https://api.backblazeb2.com";
export const DEFAULT_CHUNK_SIZE = 5_000_024;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_RETRY_BUDGET = 600;

export interface ResolvedOptions {
  timeoutMs: number;
  chunkSize: number;
  authUrl: string;
  maxAttempts: number;
  retryBudget: number;
  concurrency: number;
  headers: Record<string, string>;
  userAgent: string;
  fetch: typeof fetch;
  /** A user-supplied fetch: then every request goes through it (no node:http bulk path). */
  customFetch: boolean;
  logger: ((line: string) => void) | undefined;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const authUrl = options.authUrl ?? process.env["B2_AUTH_URL"] ?? DEFAULT_AUTH_URL;
  return {
    timeoutMs: (options.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    authUrl: authUrl.replace(/\/+$/, ""),
    maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    retryBudget: Math.max(0, options.retryBudget ?? DEFAULT_RETRY_BUDGET),
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY),
    headers: { ...options.headers },
    userAgent: `b2kit/0.1.0 node/${process.versions.node}${options.userAgent ? ` ${options.userAgent}` : ""}`,
    fetch: options.fetch ?? globalThis.fetch,
    customFetch: options.fetch !== undefined,
    logger: options.logger,
    backoffInitialMs: (options.backoff?.initial ?? 1) * 1000,
    backoffMaxMs: (options.backoff?.max ?? 64) * 1000,
  };
}
