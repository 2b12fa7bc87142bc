/** Byte-level progress, throttled: at most one event per interval, always the first and the last. */
import type { ProgressCallback } from "../models.js";

export const PROGRESS_INTERVAL_MS = 100;

export type ProgressSink = (bytes: number, total: number | undefined) => void;

/** What a user's callback threw: the call fails with it as it is, never retried as a transport failure. */
const callbackErrors = new WeakSet<object>();

/** The callback's own error, when `error` is it or wraps it (fetch rejects with `TypeError("fetch failed", { cause })`). */
export function callbackErrorIn(error: unknown): object | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (callbackErrors.has(e)) return e;
  }
  return undefined;
}

/**
 * The sink calls `callback` (throttled). If the callback throws, that error is thrown from this
 * and every later call of the sink, so every lane of a transfer stops with the caller's own
 * error (a transport would otherwise see a failed body and retry it).
 */
export function throttledProgress(callback: ProgressCallback | undefined, intervalMs = PROGRESS_INTERVAL_MS): ProgressSink {
  if (!callback) return () => undefined;
  let last = -Infinity;
  let lastBytes = -1;
  let failed: { error: object } | undefined;
  return (bytes, total) => {
    if (failed) throw failed.error;
    if (bytes === lastBytes) return;
    const now = Date.now();
    const final = total !== undefined && bytes >= total;
    if (!final && lastBytes >= 0 && now - last < intervalMs) return;
    last = now;
    lastBytes = bytes;
    try {
      callback({ bytes, total });
    } catch (thrown) {
      const error = typeof thrown === "object" && thrown !== null ? thrown : new Error(`onProgress threw ${String(thrown)}`);
      callbackErrors.add(error);
      failed = { error };
      throw error;
    }
  };
}
