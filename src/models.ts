/**
 * Models (B2's JSON objects, derived from the generated OpenAPI types) and settings (what callers
 * pass; field names are B2's own request fields, minus what a handle already knows).
 */
import type { components } from "../generated/schema.js";

type Schemas = components["schemas"];

// ── Models ──────────────────────────────────────────────────────────────────────────────
/** The `b2_authorize_account` response (v4). */
export type AuthModel = Schemas["AuthorizeAccountResponse"];
export type BucketModel = Schemas["Bucket"];
/** A file version (also a started large file, a hide marker or a `folder` entry of a listing). */
export type FileModel = Schemas["File"];
/** An application key; `applicationKey` (the secret) is present only on a key just created. */
export type KeyModel = Schemas["Key"] & { applicationKey?: string };
export type PartModel = Schemas["Part"];
/** An upload URL with its own authorization token (bucket upload URL or large-file part URL). */
export type UploadUrlModel = Pick<Schemas["UploadUrl"], "uploadUrl" | "authorizationToken"> &
  Partial<Pick<Schemas["UploadUrl"], "bucketId"> & Pick<Schemas["UploadPartUrl"], "fileId">>;
export type FileDeleteModel = Schemas["DeleteFileVersionResponse"];
export type PartCancelModel = Schemas["CancelLargeFileResponse"];
export type DownloadAuthorizationModel = Schemas["DownloadAuthorization"];
export type NotificationRulesModel = Schemas["BucketNotificationRules"];
export type NotificationRule = Schemas["NotificationRule"];
export type FileRetentionModel = Schemas["UpdateFileRetentionResponse"];
export type FileLegalHoldModel = Schemas["UpdateFileLegalHoldResponse"];
export type CorsRule = Schemas["CorsRule"];
export type LifecycleRule = Schemas["LifecycleRule"];
export type ErrorModel = Schemas["Error"];

// ── Shared pieces of settings ───────────────────────────────────────────────────────────
export type LegalHoldValue = "on" | "off";
export type RetentionMode = "governance" | "compliance";

/** Server-side encryption of an upload: SSE-B2 (B2's keys) or SSE-C (your key, base64 of 32 bytes). */
export type ServerSideEncryption =
  | { mode: "SSE-B2"; algorithm?: "AES256" }
  | { mode: "SSE-C"; algorithm?: "AES256"; customerKey: string; customerKeyMd5?: string };

/** The key of an SSE-C file, needed to read or copy it. */
export interface CustomerKey {
  mode?: "SSE-C";
  algorithm?: "AES256";
  customerKey: string;
  customerKeyMd5?: string;
}

export interface FileRetention {
  mode: RetentionMode | null;
  retainUntilTimestamp: number | null;
}

/** Byte-level progress of a transfer. */
export interface ProgressEvent {
  /** Bytes transferred so far (monotone). */
  bytes: number;
  /** Total bytes, when known. */
  total: number | undefined;
}
export type ProgressCallback = (event: ProgressEvent) => void;

/**
 * Bytes of unknown length: a Node `Readable`, a web `ReadableStream`, any (async) iterable of
 * chunks. The Blocking client takes sync iterables (its calls cannot wait for async sources).
 */
export type UploadSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

// ── Settings ────────────────────────────────────────────────────────────────────────────
type CreateBucketBody = Schemas["CreateBucketRequest"];
type UpdateBucketBody = Schemas["UpdateBucketRequest"];

export type BucketSettings = Omit<CreateBucketBody, "accountId" | "bucketType"> & {
  /** Default `"allPrivate"`. */
  bucketType?: CreateBucketBody["bucketType"];
};

export type BucketUpdateSettings = Omit<UpdateBucketBody, "accountId" | "bucketId">;

export type KeySettings = Omit<Schemas["CreateKeyRequest"], "accountId">;

export interface UploadSettings {
  /** The file name: UTF-8, at most 1024 bytes, no control characters. */
  fileName: string;
  /** Default `"b2/x-auto"` (B2 picks a type from the name). */
  contentType?: string;
  /** Custom file info (`X-Bz-Info-*`). */
  fileInfo?: Record<string, string>;
  /** Last modification time in ms since the epoch, sent as `src_last_modified_millis`. */
  lastModified?: number;
  contentDisposition?: string;
  contentLanguage?: string;
  expires?: string;
  cacheControl?: string;
  contentEncoding?: string;
  serverSideEncryption?: ServerSideEncryption;
  fileRetention?: FileRetention;
  legalHold?: LegalHoldValue;
  /** Called with byte-level progress while uploading. */
  onProgress?: ProgressCallback;
  /** Parallel part uploads for large files (default 4). */
  concurrency?: number;
  /** Cancels the upload (Awaiting only; a Blocking call is bounded by `timeout`). */
  signal?: AbortSignal;
}

export type PartSettings = Omit<Schemas["StartLargeFileRequest"], "bucketId" | "contentType"> & {
  /** Default `"b2/x-auto"`. */
  contentType?: string;
};

/** Narrows a bucket listing to one bucket (B2 requires this of keys restricted to buckets). */
export interface BucketFilter {
  bucketName?: string;
  bucketId?: string;
}

export interface FileSettings {
  startFileName?: string;
  /** Versions listing only. */
  startFileId?: string;
  /** Page size (B2 default 100, at most 10,000). */
  maxFileCount?: number;
  prefix?: string;
  delimiter?: string;
}

export type UnfinishedFileSettings = Omit<Schemas["ListUnfinishedLargeFilesRequest"], "bucketId">;

export interface DownloadSettings {
  /** An HTTP range, e.g. `"bytes=0-99"`. */
  range?: string;
  b2ContentDisposition?: string;
  b2ContentLanguage?: string;
  b2Expires?: string;
  b2CacheControl?: string;
  b2ContentEncoding?: string;
  b2ContentType?: string;
  /** The SSE-C key of the file. */
  serverSideEncryption?: CustomerKey;
  /** Called with byte-level progress while downloading. */
  onProgress?: ProgressCallback;
  /** Cancels the download (Awaiting only). */
  signal?: AbortSignal;
}

export type CopyFileSettings = Omit<Schemas["CopyFileRequest"], "sourceFileId">;

export type CopyPartSettings = Omit<Schemas["CopyPartRequest"], "largeFileId" | "partNumber">;

export type DownloadAuthorizationSettings = Omit<Schemas["GetDownloadAuthorizationRequest"], "bucketId">;

export type FileRetentionSettings = Omit<Schemas["UpdateFileRetentionRequest"], "fileId" | "fileName">;
