/** Object Lock: retention and legal hold on file versions, and whether a version may be deleted. */
import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "./auth.js";
import { accessDenied, badRequest } from "./errors.js";
import type { BucketRow, FileLockConfig, FileRow } from "./rows.js";
import { lockOf } from "./rows.js";

export interface Retention {
  mode: "governance" | "compliance" | null;
  retainUntilTimestamp: number | null;
}

export function checkRetention(value: unknown, now: number, where = "fileRetention"): Retention {
  const v = (value ?? {}) as Record<string, unknown>;
  const mode = v["mode"] ?? null;
  const until = v["retainUntilTimestamp"] ?? null;
  if (mode === null) return { mode: null, retainUntilTimestamp: null };
  if (mode !== "governance" && mode !== "compliance") throw badRequest(`${where}.mode: governance, compliance or null`);
  if (typeof until !== "number" || until <= now) throw badRequest(`${where}.retainUntilTimestamp: a future time in milliseconds`);
  return { mode, retainUntilTimestamp: until };
}

export function checkLegalHold(value: unknown, where = "legalHold"): "on" | "off" {
  if (value !== "on" && value !== "off") throw badRequest(`${where}: on or off`);
  return value;
}

export function retentionFromHeaders(h: IncomingHttpHeaders, now: number): Retention | undefined {
  const mode = h["x-bz-file-retention-mode"];
  const until = h["x-bz-file-retention-retain-until-timestamp"];
  if (mode === undefined && until === undefined) return undefined;
  return checkRetention({ mode, retainUntilTimestamp: until === undefined ? undefined : Number(until) }, now, "X-Bz-File-Retention");
}

/** Explicit retention/hold need a lock-enabled bucket and the write capabilities; else the bucket default applies. */
export function lockForNewFile(
  bucket: BucketRow,
  p: Principal,
  retention: Retention | undefined,
  legalHold: "on" | "off" | undefined,
  now: number,
): { retention: Retention | null; legalHold: "on" | "off" | null } {
  const lock: FileLockConfig = lockOf(bucket);
  if (!lock.isFileLockEnabled) {
    if ((retention && retention.mode) || legalHold) throw badRequest("The bucket is not file lock enabled", "bucket_missing_file_lock");
    return { retention: null, legalHold: null };
  }
  if (retention) {
    if (!p.capabilities.has("writeFileRetentions")) throw accessDenied("writeFileRetentions capability required to set retention");
  }
  if (legalHold && !p.capabilities.has("writeFileLegalHolds")) throw accessDenied("writeFileLegalHolds capability required to set legal hold");
  let applied = retention ?? null;
  const def = lock.defaultRetention;
  if (!applied && def.mode && def.period) {
    const days = def.period.unit === "days" ? def.period.duration : def.period.duration * 365;
    applied = { mode: def.mode, retainUntilTimestamp: now + days * 86_400_000 };
  }
  return { retention: applied ?? { mode: null, retainUntilTimestamp: null }, legalHold: legalHold ?? null };
}

/** Refuses deleting (or shortening retention of) a protected version. */
export function checkDeletable(file: FileRow, p: Principal, bypassGovernance: boolean, now: number): void {
  if (file.legalHold === "on") throw accessDenied("file is under legal hold");
  const r = file.retention ? (JSON.parse(file.retention) as Retention) : null;
  if (!r?.mode || r.retainUntilTimestamp === null || r.retainUntilTimestamp <= now) return;
  if (r.mode === "compliance") throw accessDenied("file is under compliance retention");
  if (!bypassGovernance || !p.capabilities.has("bypassGovernance")) throw accessDenied("file is under governance retention (bypassGovernance required)");
}
