/** Byte-level progress, throttled: at most one event per interval, always the first and the last. */
import type { ProgressCallback } from "../models.js";

export const PROGRESS_INTERVAL_MS = 100;

export type ProgressSink = (bytes: number, total: number | undefined) => void;

export function throttledProgress(callback: ProgressCallback | undefined, intervalMs = PROGRESS_INTERVAL_MS): ProgressSink {
  if (!callback) return () => undefined;
  let last = -Infinity;
  let lastBytes = -1;
  return (bytes, total) => {
    if (bytes === lastBytes) return;
    const now = Date.now();
    const final = total !== undefined && bytes >= total;
    if (!final && lastBytes >= 0 && now - last < intervalMs) return;
    last = now;
    lastBytes = bytes;
    callback({ bytes, total });
  };
}
