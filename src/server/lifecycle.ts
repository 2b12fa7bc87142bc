/**
 * Lifecycle rules, applied when the server's clock moves (B2 applies them once a day): hide files N days after
 * upload, delete versions N days after they stopped being current, cancel unfinished large files N days after start.
 */
import type { Segment } from "./blobs.js";
import type { EventObject, NotificationEventType } from "./notify.js";
import { lockOf, type BucketRow, type FileRow } from "./rows.js";
import { newId, type ServerState } from "./state.js";

const DAY = 86_400_000;

interface Rule {
  fileNamePrefix: string;
  daysFromUploadingToHiding?: number | null;
  daysFromHidingToDeleting?: number | null;
  daysFromStartingToCancelingUnfinishedLargeFiles?: number | null;
}

/** Applies every bucket's rules at the server's current time; returns the content to remove from disk. */
export function applyLifecycle(state: ServerState): Segment[] {
  const now = state.clock.now();
  const garbage: Segment[] = [];
  const events: [BucketRow, NotificationEventType, EventObject][] = [];
  const buckets = state.db.prepare("SELECT * FROM buckets").all() as BucketRow[];
  state.db.transaction(() => {
    for (const bucket of buckets) {
      const locked = lockOf(bucket).isFileLockEnabled;
      for (const rule of JSON.parse(bucket.lifecycleRules) as Rule[]) {
        const rows = state.db
          .prepare("SELECT * FROM files WHERE bucketId = ? AND substr(fileName, 1, length(?)) = ? ORDER BY fileName, seq DESC")
          .all(bucket.bucketId, rule.fileNamePrefix, rule.fileNamePrefix) as FileRow[];
        let newer: FileRow | undefined;
        for (const row of rows) {
          if (newer && newer.fileName !== row.fileName) newer = undefined;
          if (row.action === "start") {
            const days = rule.daysFromStartingToCancelingUnfinishedLargeFiles;
            if (days && row.uploadTimestamp + days * DAY <= now) garbage.push(...remove(state, row));
            continue;
          }
          const current = newer === undefined;
          if (current && row.action === "upload" && rule.daysFromUploadingToHiding && row.uploadTimestamp + rule.daysFromUploadingToHiding * DAY <= now) {
            events.push([bucket, "b2:HideMarkerCreated:LifecycleRule", { fileId: hide(state, row, now), fileName: row.fileName, contentLength: 0 }]);
          } else if (!current && rule.daysFromHidingToDeleting && newer && newer.uploadTimestamp + rule.daysFromHidingToDeleting * DAY <= now) {
            if (!(locked && protectedNow(row, now))) {
              garbage.push(...remove(state, row));
              events.push([bucket, "b2:ObjectDeleted:LifecycleRule", row]);
            }
            continue;
          }
          newer = row;
        }
        // Under a deleting rule, a hide marker with nothing left under it goes too once its own period has passed.
        if (rule.daysFromHidingToDeleting)
          state.db
            .prepare(
              "DELETE FROM files WHERE bucketId = ? AND action = 'hide' AND substr(fileName, 1, length(?)) = ? AND uploadTimestamp <= ? AND NOT EXISTS (SELECT 1 FROM files o WHERE o.bucketId = files.bucketId AND o.fileName = files.fileName AND o.seq < files.seq)",
            )
            .run(bucket.bucketId, rule.fileNamePrefix, rule.fileNamePrefix, now - rule.daysFromHidingToDeleting * DAY);
      }
    }
  })();
  for (const [bucket, type, object] of events) state.notifications.emit(bucket, type, object, now);
  return garbage;
}

function protectedNow(row: FileRow, now: number): boolean {
  const r = row.retention ? (JSON.parse(row.retention) as { mode: string | null; retainUntilTimestamp: number | null }) : null;
  return row.legalHold === "on" || (!!r?.mode && (r.retainUntilTimestamp ?? 0) > now);
}

/** Hides `row`'s name; returns the hide marker's file id. */
function hide(state: ServerState, row: FileRow, now: number): string {
  const fileId = `4_z${row.bucketId}_f${newId(10)}`;
  state.db
    .prepare(
      "INSERT INTO files (fileId, bucketId, fileName, action, contentLength, contentSha1, contentMd5, contentType, fileInfo, uploadTimestamp, sse, retention, legalHold, segments) VALUES (?, ?, ?, 'hide', 0, NULL, NULL, 'application/x-bz-hide-marker', '{}', ?, NULL, NULL, NULL, '[]')",
    )
    .run(fileId, row.bucketId, row.fileName, now);
  return fileId;
}

function remove(state: ServerState, row: FileRow): Segment[] {
  const parts = state.db.prepare("SELECT segment FROM parts WHERE fileId = ?").all(row.fileId) as { segment: string }[];
  state.db.prepare("DELETE FROM parts WHERE fileId = ?").run(row.fileId);
  state.db.prepare("DELETE FROM files WHERE fileId = ?").run(row.fileId);
  return [...(JSON.parse(row.segments) as Segment[]), ...parts.map((p) => JSON.parse(p.segment) as Segment)];
}
