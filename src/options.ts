import { ValidationError } from "./errors.js";

/** Options of both clients. Everything here must be structured-cloneable, except `fetch`, which
 * only the Awaiting client can use, and `logger`, whose lines the Blocking client delivers on the
 * caller's thread. */
export interface ClientOptions {
  /** Seconds per request attempt, covering a stalled body too (default 30; more than 0, at most
   * 2147483.647, Node's timer limit). */
  timeout?: number;
  /**
   * Smallest part of `uploadFile` (its parts grow toward B2's `recommendedPartSize` and are
   * balanced over the lanes), part size of `parts.file`, chunk size for downloads
   * (default 5_000_024 bytes; a whole number from 1 to 5_000_000_000, B2's largest part; uploads
   * raise a smaller one to B2's `absoluteMinimumPartSize`).
   */
  chunkSize?: number;
  /** Authorization endpoint (default `B2_AUTH_URL`, else `https://api.backblazeb2.com`). */
  authUrl?: string;
  /** Attempts per call for retryable failures (default 5; a whole number >= 1; 1 disables retries). */
  maxAttempts?: number;
  /** Retries per minute for the whole client, all calls together (default 600; a whole number >= 0, or `Infinity`). */
  retryBudget?: number;
  /** Parallel part uploads / ranged downloads per transfer (default 4; a whole number >= 1). */
  concurrency?: number;
  /** Extra headers sent with every request (for example `X-Bz-Test-Mode`). */
  headers?: Record<string, string>;
  /** Added to the `User-Agent` header. */
  userAgent?: string;
  /** A `fetch` implementation (Awaiting only). */
  fetch?: typeof fetch;
  /** Receives a line per retry, re-authorization and resume decision, never with secrets. */
  logger?: (line: string) => void;
  /** Blocking only: seconds a call may wait without any sign of life from its worker thread
   * before it fails with BlockingTimeout and the worker is reset. Every message the worker sends
   * for the call (a progress event, a pull from an `uploadStream` source, a `logger` line, an
   * iterator item, the answer, and a report about once a second while bytes move in the worker)
   * starts the count again, so a transfer that keeps moving data is never cut off, however long
   * it takes; a stalled HTTP attempt (an upload awaiting its answer too) is bounded by `timeout`.
   * Default: max(600, timeout × maxAttempts × 4) seconds; a finite number > 0. */
  callTimeout?: number;
  /** Back-off tuning: first delay and cap, in seconds (default 1 and 64; each >= 0, at most
   * 2147483.647). */
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
  /** Aborted when the client is closed (set by the engine): every attempt and back-off stops. */
  closed?: AbortSignal;
}

/** B2's largest part (5 GB): a bigger `chunkSize` could never be uploaded as one part. */
export const MAX_CHUNK_SIZE = 5_000_000_000;
/** Node's timers fire at once (with a warning) beyond 2^31 - 1 ms, so no delay may exceed it. */
const MAX_TIMER_SECONDS = (2 ** 31 - 1) / 1000;

function shown(v: unknown): string {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v === undefined) return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  return `a value of type ${typeof v}`;
}

function check(name: string, v: unknown, ok: (n: number) => boolean, expected: string): void {
  if (v === undefined) return;
  if (typeof v !== "number" || !ok(v)) {
    throw new ValidationError(`invalid client option ${name}: ${shown(v)} (expected ${expected})`);
  }
}

const wholeAtLeast1 = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;
const seconds = (n: number): boolean => n >= 0 && n <= MAX_TIMER_SECONDS;

/**
 * Throws a ValidationError naming the option and its value when a numeric option is out of
 * range, so a bad option fails when the client is constructed (both clients call this on the
 * caller's thread), not as an unrelated error in a later transfer.
 */
export function validateOptions(options: ClientOptions): void {
  checkAuthUrl(options.authUrl, "client option authUrl");
  check(
    "chunkSize",
    options.chunkSize,
    (n) => wholeAtLeast1(n) && n <= MAX_CHUNK_SIZE,
    `a whole number of bytes from 1 to ${MAX_CHUNK_SIZE}`,
  );
  check("concurrency", options.concurrency, wholeAtLeast1, "a whole number >= 1");
  check("maxAttempts", options.maxAttempts, wholeAtLeast1, "a whole number >= 1; 1 disables retries");
  check(
    "retryBudget",
    options.retryBudget,
    (n) => n === Infinity || (Number.isSafeInteger(n) && n >= 0),
    "a whole number >= 0 of retries per minute, or Infinity",
  );
  check(
    "timeout",
    options.timeout,
    (n) => n > 0 && n <= MAX_TIMER_SECONDS,
    `a number of seconds > 0 and <= ${MAX_TIMER_SECONDS}`,
  );
  check("callTimeout", options.callTimeout, (n) => n > 0 && Number.isFinite(n), "a finite number of seconds > 0");
  const backoff: unknown = options.backoff;
  if (backoff === undefined) return;
  if (typeof backoff !== "object" || backoff === null) {
    throw new ValidationError(
      `invalid client option backoff: ${shown(backoff)} (expected { initial?, max? } in seconds)`,
    );
  }
  const b = backoff as { initial?: unknown; max?: unknown };
  check("backoff.initial", b.initial, seconds, `a number of seconds >= 0 and <= ${MAX_TIMER_SECONDS}`);
  check("backoff.max", b.max, seconds, `a number of seconds >= 0 and <= ${MAX_TIMER_SECONDS}`);
}

/**
 * The authorization endpoint must be an http(s) URL without `user:password@`: fetch refuses such
 * a URL, and its error would quote the password. The value itself is never quoted.
 */
function checkAuthUrl(value: unknown, source: string): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new ValidationError(`invalid ${source}: expected an http(s) URL such as ${DEFAULT_AUTH_URL}`);
  if (url.username || url.password)
    throw new ValidationError(`invalid ${source}: it must not carry credentials (user:password@); give the key id and key to the client`);
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  validateOptions(options);
  if (options.authUrl === undefined) checkAuthUrl(process.env["B2_AUTH_URL"], "B2_AUTH_URL");
  const authUrl = options.authUrl ?? process.env["B2_AUTH_URL"] ?? DEFAULT_AUTH_URL;
  return {
    timeoutMs: (options.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    authUrl: authUrl.replace(/\/+$/, ""),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryBudget: options.retryBudget ?? DEFAULT_RETRY_BUDGET,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    headers: { ...options.headers },
    userAgent: `b2kit/0.1.0 node/${process.versions.node}${options.userAgent ? ` ${options.userAgent}` : ""}`,
    fetch: options.fetch ?? globalThis.fetch,
    customFetch: options.fetch !== undefined,
    logger: options.logger,
    backoffInitialMs: (options.backoff?.initial ?? 1) * 1000,
    backoffMaxMs: (options.backoff?.max ?? 64) * 1000,
  };
}
