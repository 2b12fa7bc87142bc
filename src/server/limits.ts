/** Server limits; tests shrink them so large-file paths run with tiny data. */
export interface Limits {
  /** Minimum size of every part but the last (B2: 5,000,000). Also reported as absoluteMinimumPartSize. */
  minPartSize: number;
  recommendedPartSize: number;
  /** Largest b2_copy_file result and simple upload. */
  maxCopySize: number;
  maxUploadSize: number;
  maxPartSize: number;
  /** Page caps: [default, max]. */
  fileNamesPage: [number, number];
  unfinishedPage: [number, number];
  partsPage: [number, number];
  keysPage: [number, number];
  maxBuckets: number;
}

export const DEFAULT_LIMITS: Limits = {
  minPartSize: 5_000_000,
  recommendedPartSize: 100_000_000,
  maxCopySize: 5_000_000_000,
  maxUploadSize: 5_000_000_000,
  maxPartSize: 5_000_000_000,
  fileNamesPage: [100, 10_000],
  unfinishedPage: [100, 100],
  partsPage: [100, 1000],
  keysPage: [100, 10_000],
  maxBuckets: 100,
};

/** Merges a partial (e.g. from JSON) into limits, ignoring unknown or ill-typed fields. */
export function mergeLimits(base: Limits, patch: Record<string, unknown>): Limits {
  const out: Limits = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in base)) continue;
    const current = (base as unknown as Record<string, unknown>)[k];
    if (typeof current === "number" && typeof v === "number" && v > 0) (out as unknown as Record<string, unknown>)[k] = v;
    if (Array.isArray(current) && Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === "number" && n > 0))
      (out as unknown as Record<string, unknown>)[k] = [v[0], v[1]];
  }
  return out;
}
