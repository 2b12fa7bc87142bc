/** What the bench parent hands one job child, and what the child prints back (one JSON line). */
export type Impl = "plain" | "awaiting" | "blocking" | "peer";
export type JobKind = "upload" | "download" | "small" | "list" | "stream";

export interface JobSpec {
  kind: JobKind;
  impl: Impl;
  /** The local server: auth URL, key, and the bench bucket. */
  url: string;
  keyId: string;
  key: string;
  bucketId: string;
  bucketName: string;
  /** upload/stream: the local file; download: where to write. */
  path?: string;
  /** upload: the file's SHA-1 (the plain baseline sends it; it does no hashing of its own). */
  sha1?: string;
  /** download: the file to fetch. */
  fileId?: string;
  /** small: how many files of how many bytes. */
  count?: number;
  fileBytes?: number;
  /** Parallel parts / ranges / lanes. */
  concurrency: number;
  chunkSize: number;
}

export interface JobResult {
  ms: number;
  bytes: number;
  files: number;
  /** Peak resident set of the job's process, bytes. */
  peakRss: number;
  /** CPU time (user + system, all threads) the job's process spent on the transfer, ms: its efficiency, whatever else shares the machine. */
  cpuMs: number;
}
