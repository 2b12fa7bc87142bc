/** Database rows and their lookups, shared by the operation modules. */
import type { Segment } from "./blobs.js";
import { B2Fail, badRequest } from "./errors.js";
import type { ServerState } from "./state.js";

export interface BucketRow {
  bucketId: string;
  bucketName: string;
  bucketType: string;
  bucketInfo: string;
  corsRules: string;
  lifecycleRules: string;
  defaultSse: string;
  fileLock: string;
  replication: string | null;
  notificationRules: string;
  revision: number;
}

export interface FileRow {
  seq: number;
  fileId: string;
  bucketId: string;
  fileName: string;
  action: "upload" | "hide" | "start";
  contentLength: number;
  contentSha1: string | null;
  contentMd5: string | null;
  contentType: string | null;
  fileInfo: string;
  uploadTimestamp: number;
  sse: string | null;
  retention: string | null;
  legalHold: string | null;
  segments: string;
}

export interface PartRow {
  fileId: string;
  partNumber: number;
  contentLength: number;
  contentSha1: string;
  contentMd5: string | null;
  uploadTimestamp: number;
  segment: string;
}

export interface StoredSse {
  mode: "SSE-B2" | "SSE-C";
  algorithm: "AES256";
  customerKeyMd5?: string;
}

export interface FileLockConfig {
  isFileLockEnabled: boolean;
  defaultRetention: { mode: "governance" | "compliance" | null; period: { duration: number; unit: "days" | "years" } | null };
}

export function bucketById(state: ServerState, bucketId: unknown): BucketRow {
  const row = typeof bucketId === "string" ? (state.db.prepare("SELECT * FROM buckets WHERE bucketId = ?").get(bucketId) as BucketRow | undefined) : undefined;
  if (!row) throw badRequest(`Invalid bucketId: ${String(bucketId)}`, "bad_bucket_id");
  return row;
}

/** A bucket, or undefined (no error): for best-effort lookups such as CORS headers. */
export function findBucket(state: ServerState, bucketId: unknown): BucketRow | undefined {
  return typeof bucketId === "string" ? (state.db.prepare("SELECT * FROM buckets WHERE bucketId = ?").get(bucketId) as BucketRow | undefined) : undefined;
}

export function bucketByName(state: ServerState, name: string): BucketRow | undefined {
  return state.db.prepare("SELECT * FROM buckets WHERE bucketName = ?").get(name) as BucketRow | undefined;
}

export function fileById(state: ServerState, fileId: unknown): FileRow | undefined {
  return typeof fileId === "string" ? (state.db.prepare("SELECT * FROM files WHERE fileId = ?").get(fileId) as FileRow | undefined) : undefined;
}

/** A finished file version (not hide marker / unfinished large file), or 400 bad_request like B2's invalid id. */
export function requireFile(state: ServerState, fileId: unknown, status = 400): FileRow {
  const row = fileById(state, fileId);
  if (!row || row.action !== "upload") {
    if (status === 404) throw new B2Fail(404, "not_found", `File not present: ${String(fileId)}`);
    throw badRequest(`Invalid fileId: ${String(fileId)}`, "bad_request");
  }
  return row;
}

export function requireLargeFile(state: ServerState, fileId: unknown): FileRow {
  const row = fileById(state, fileId);
  if (!row || row.action !== "start") throw badRequest(`No active upload for: ${String(fileId)}`, "bad_request");
  return row;
}

export const segmentsOf = (row: FileRow): Segment[] => JSON.parse(row.segments) as Segment[];
export const lockOf = (bucket: BucketRow): FileLockConfig => JSON.parse(bucket.fileLock) as FileLockConfig;
export const sseOf = (row: { sse: string | null }): StoredSse | null => (row.sse ? (JSON.parse(row.sse) as StoredSse) : null);
