/**
 * Large files: `Bucket.uploadFile` (streamed from disk, parallel parts, `large_file_sha1`),
 * the `Parts` handle (`data`, `file`, `copy`, `finish`) and part upload URLs.
 */
import { createHash } from "node:crypto";
import { open, stat, type FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { BadRequest, ValidationError } from "../../errors.js";
import type { CopyPartSettings, FileModel, PartModel, ServerSideEncryption, UploadSettings, UploadUrlModel } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState, PartsState } from "../handles.js";
import { bodyLength, fileInfoOf, sendWithRotation, sha1Hex, sseHeaders, uploadHeaders, type StreamedBody, type UploadBody } from "../upload.js";
import { checkConcurrency, checkCopyRange, checkPartNumber, checkPartSize } from "../validate.js";
import { throttledProgress } from "../progress.js";
import { BufferRing } from "../buffer-ring.js";
import { sha1OfFile } from "../file-hashes.js";
import { fileHandle } from "./handles.js";
import { upload, uploadWithSha1 } from "./simple-upload.js";

const MAX_PARTS = 10_000;
const MAX_SIMPLE_UPLOAD = 5_000_000_000;
const MAX_PART = 5_000_000_000;
/** Read size of streamed parts: big enough for few syscalls, small enough to keep lanes light. */
const READ_SIZE = 1 << 20;

/** Part size: the configured chunk size, at least B2's minimum, grown so the file fits in 10,000 parts. */
export function choosePartSize(size: number, chunkSize: number, minimum: number): number {
  return Math.max(chunkSize, minimum, Math.ceil(size / MAX_PARTS));
}

/**
 * Part size of `uploadFile`, whose parts stream from disk (no part is held in memory, so big
 * parts cost nothing): `choosePartSize` is the smallest; parts grow toward B2's
 * `recommendedPartSize` (fewer requests, so less per-request latency), and when the file is cut
 * into fewer parts than a multiple of the lanes, into equal parts filling every lane (no lone
 * tail part while the other lanes idle), never below the smallest size.
 */
export function planPartSize(size: number, o: { chunkSize: number; minimum: number; recommended: number; lanes: number }): number {
  const smallest = choosePartSize(size, o.chunkSize, o.minimum);
  const target = Math.min(MAX_PART, Math.max(smallest, o.recommended));
  const natural = Math.ceil(size / target);
  const balanced = Math.min(Math.ceil(natural / o.lanes) * o.lanes, Math.floor(size / smallest), MAX_PARTS);
  return balanced > natural ? Math.ceil(size / balanced) : target;
}

async function readRange(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) throw new ValidationError("file shrank while being read", "b2_upload_part");
    done += bytesRead;
  }
  return buffer;
}

/**
 * A range of an open file as an upload body: read afresh for every attempt, never held whole,
 * into buffers of `ring` (each reused once the transport has written it, see buffer-ring.ts).
 */
function fileRange(handle: FileHandle, offset: number, length: number, ring: BufferRing): StreamedBody {
  return {
    length,
    async *open() {
      for (let done = 0; done < length; ) {
        const buffer = ring.take();
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - done), offset + done);
        if (bytesRead === 0) throw new ValidationError("file shrank while being read", "b2_upload_part");
        done += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    },
  };
}

/** The SHA-1 of a range of an open file, read through one buffer. */
async function sha1OfRange(handle: FileHandle, offset: number, length: number): Promise<string> {
  const hash = createHash("sha1");
  const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, length));
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - done), offset + done);
    if (bytesRead === 0) throw new ValidationError("file shrank while being read", "b2_upload_part");
    hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return hash.digest("hex");
}

/**
 * A streamed body sent with `hex_digits_at_end`: hashed while it is sent, the 40 hex digits
 * appended (one read instead of a hashing pass and a sending pass). `sha1` gets the digest of
 * the last complete attempt.
 */
function withSha1AtEnd(body: StreamedBody, sha1: { value?: string }): StreamedBody {
  return {
    length: body.length + 40,
    async *open() {
      const hash = createHash("sha1");
      for await (const chunk of body.open()) {
        hash.update(chunk);
        yield chunk;
      }
      sha1.value = hash.digest("hex");
      yield Buffer.from(sha1.value, "latin1");
    },
  };
}

/** Counts the bytes a body hands to the transport (per attempt, from zero). */
function counted(body: StreamedBody, onBytes: (attemptBytes: number) => void): StreamedBody {
  return {
    length: body.length,
    async *open() {
      let n = 0;
      for await (const chunk of body.open()) {
        yield chunk;
        n += chunk.byteLength;
        onBytes(n);
      }
    },
  };
}

/** The b2_start_large_file body for upload settings (all metadata kept). */
export function startBody(bucketId: string, settings: UploadSettings, extraInfo: Record<string, string>): Record<string, unknown> {
  uploadHeaders(settings, "b2_start_large_file"); // the same validation as a simple upload
  return {
    bucketId,
    fileName: settings.fileName,
    contentType: settings.contentType ?? "b2/x-auto",
    fileInfo: fileInfoOf(settings, extraInfo),
    serverSideEncryption: settings.serverSideEncryption, // in full form when sent (sse.ts)
    fileRetention: settings.fileRetention,
    legalHold: settings.legalHold,
  };
}

/**
 * Uploads one part. `data` in memory is hashed here unless `sha1` is given; a streamed body
 * needs its `sha1` (or goes with `hex_digits_at_end`, see `withSha1AtEnd`).
 */
export async function uploadPart(
  ctx: Context,
  fileId: string,
  partNumber: number,
  data: UploadBody,
  sse: ServerSideEncryption | undefined,
  signal?: AbortSignal,
  sha1: string = data instanceof Uint8Array ? sha1Hex(data) : "hex_digits_at_end",
): Promise<PartModel> {
  checkPartNumber(partNumber, "b2_upload_part");
  checkPartSize(bodyLength(data) - (sha1 === "hex_digits_at_end" ? 40 : 0), "b2_upload_part");
  const headers: Record<string, string> = {
    "X-Bz-Part-Number": String(partNumber),
    "X-Bz-Content-Sha1": sha1,
    ...(sse?.mode === "SSE-C" ? sseHeaders(sse) : {}),
  };
  return sendWithRotation<PartModel>(
    ctx,
    {
      operation: "b2_upload_part",
      pool: ctx.partUrls,
      key: fileId,
      fetchUrl: () => ctx.api.call<UploadUrlModel>("b2_get_upload_part_url", { fileId }, signal),
    },
    headers,
    data,
    signal,
  );
}

/**
 * Finishes a large file. A 400 can mean an earlier attempt already finished it (its response
 * was lost): B2's advice is to check b2_get_file_info before reporting a failure.
 */
export async function finishLargeFile(ctx: Context, fileId: string, partSha1Array: string[], signal?: AbortSignal): Promise<FileModel> {
  try {
    return await ctx.api.call<FileModel>("b2_finish_large_file", { fileId, partSha1Array }, signal);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    const info = await ctx.api.call<FileModel>("b2_get_file_info", { fileId }, signal).catch(() => undefined);
    if (info && info.action === "upload") return info;
    throw error;
  } finally {
    ctx.partUrls.forget(fileId);
  }
}

interface PartJob {
  partNumber: number;
  offset: number;
  length: number;
}

/**
 * Uploads ranges of an open file as parts with `concurrency` lanes, each part streamed from disk;
 * returns their SHA-1s by part. Progress counts the bytes handed to the transport, each part
 * counted up to the most any attempt sent, so it never goes back when an attempt is retried.
 */
async function uploadFileParts(
  ctx: Context,
  fileId: string,
  handle: FileHandle,
  jobs: PartJob[],
  settings: { serverSideEncryption?: ServerSideEncryption | undefined; onProgress?: UploadSettings["onProgress"]; concurrency?: number | undefined; signal?: AbortSignal | undefined },
  total: number,
  alreadyDone = 0,
): Promise<Map<number, string>> {
  const sha1s = new Map<number, string>();
  let next = 0;
  let done = alreadyDone;
  let failure: unknown;
  const lanes = Math.min(settings.concurrency ?? ctx.options.concurrency, jobs.length);
  const progress = throttledProgress(settings.onProgress);
  progress(done, total);
  // A few buffers per lane: one being read into, the ones the socket still holds.
  const ring = new BufferRing(READ_SIZE, lanes * 4);
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      if (settings.signal?.aborted) {
        failure ??= settings.signal.reason;
        break;
      }
      const job = jobs[next++] as PartJob;
      try {
        let most = 0;
        const range = counted(fileRange(handle, job.offset, job.length, ring), (n) => {
          if (n <= most) return;
          done += n - most;
          most = n;
          progress(done, total);
        });
        // Hashed while sent; B2 checks the bytes against the digits that follow them. (Measured
        // against part hashes computed on a worker beside the whole-file hash and sent up front:
        // 256 MiB, 3 interleaved runs, loopback 252 vs 246 MB/s for 12% less CPU, internet-like
        // 84 vs 82 MB/s: the worker slows the pre-hash pass, which nothing overlaps.)
        const sha1: { value?: string } = {};
        await uploadPart(ctx, fileId, job.partNumber, withSha1AtEnd(range, sha1), settings.serverSideEncryption, settings.signal, "hex_digits_at_end");
        sha1s.set(job.partNumber, sha1.value as string);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure;
  return sha1s;
}

function partJobs(size: number, partSize: number, firstPart: number): PartJob[] {
  const jobs: PartJob[] = [];
  for (let offset = 0, n = firstPart; offset < size; offset += partSize, n++) {
    jobs.push({ partNumber: n, offset, length: Math.min(partSize, size - offset) });
  }
  return jobs;
}

async function listAllParts(ctx: Context, fileId: string, signal?: AbortSignal): Promise<PartModel[]> {
  const parts: PartModel[] = [];
  let startPartNumber: number | null | undefined;
  do {
    const page: { parts: PartModel[]; nextPartNumber: number | null } = await ctx.api.call("b2_list_parts", {
      fileId,
      startPartNumber: startPartNumber ?? undefined,
      maxPartCount: 1000,
    }, signal);
    parts.push(...page.parts);
    startPartNumber = page.nextPartNumber;
  } while (startPartNumber);
  return parts;
}

interface UnfinishedPage {
  files: FileModel[];
  nextFileId: string | null;
}

function unfinishedPage(ctx: Context, bucketId: string, fileName: string, startFileId?: string, signal?: AbortSignal): Promise<UnfinishedPage> {
  return ctx.api.call("b2_list_unfinished_large_files", { bucketId, namePrefix: fileName, startFileId, maxFileCount: 100 }, signal);
}

const lowerKeys = (info: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(info ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Whether an unfinished large file was started as this upload would start it: the same file info
 * (`large_file_sha1`, `src_last_modified_millis` and every b2-* and custom entry), content type,
 * encryption (for SSE-C, the same key) and the retention and legal hold asked for. A file that
 * differs in any of them is not this upload's, even with the same bytes: resuming it would store
 * the old settings, or fail on every part (another SSE-C key).
 */
function sameStart(candidate: FileModel, settings: UploadSettings, fileInfo: Record<string, string>): boolean {
  const theirs = lowerKeys(candidate.fileInfo);
  const ours = lowerKeys(fileInfo);
  if (Object.keys(theirs).length !== Object.keys(ours).length || Object.entries(ours).some(([k, v]) => theirs[k] !== v)) return false;
  const type = settings.contentType ?? "b2/x-auto";
  if (type !== "b2/x-auto" && candidate.contentType !== type) return false; // b2/x-auto: the same name gives the same type
  const sse = settings.serverSideEncryption;
  const mode = candidate.serverSideEncryption?.mode ?? null;
  // No encryption asked for: the bucket's default applies, to this start as to that one.
  if (sse && sse.mode !== mode) return false;
  if (sse?.mode === "SSE-C") {
    const md5 = (sseHeaders(sse) as Record<string, string>)["X-Bz-Server-Side-Encryption-Customer-Key-Md5"];
    if ((candidate.serverSideEncryption as { customerKeyMd5?: string } | undefined)?.customerKeyMd5 !== md5) return false;
  }
  const retention = (candidate.fileRetention as { value?: { mode?: string | null; retainUntilTimestamp?: number | null } | null } | undefined)?.value;
  if (settings.fileRetention && (retention?.mode ?? null) !== settings.fileRetention.mode) return false;
  if (settings.fileRetention && (retention?.retainUntilTimestamp ?? null) !== settings.fileRetention.retainUntilTimestamp) return false;
  const hold = (candidate.legalHold as { value?: string | null } | undefined)?.value;
  if (settings.legalHold !== undefined && (hold ?? null) !== settings.legalHold) return false;
  return true;
}

/**
 * An interrupted upload of the same content: an unfinished large file with this name, started
 * with the same settings (`sameStart`: its `large_file_sha1` among them), whose every uploaded
 * part has the size and SHA-1 of the local bytes at its place. The file's own part size is kept
 * (it may differ from this run's plan, e.g. another concurrency); parts of another size are
 * re-hashed from disk. Never attaches to different content or settings.
 */
async function findResumable(
  ctx: Context,
  bucketId: string,
  settings: UploadSettings,
  fileInfo: Record<string, string>,
  planned: PartJob[],
  size: number,
  handle: FileHandle,
  firstPage: Promise<UnfinishedPage>,
): Promise<{ fileId: string; jobs: PartJob[]; done: Map<number, string> } | undefined> {
  const { fileName, signal } = settings;
  let startFileId: string | null | undefined;
  do {
    const page = startFileId ? await unfinishedPage(ctx, bucketId, fileName, startFileId, signal) : await firstPage;
    for (const candidate of page.files) {
      if (candidate.fileName !== fileName || !candidate.fileId || !sameStart(candidate, settings, fileInfo)) continue;
      const parts = await listAllParts(ctx, candidate.fileId, signal);
      // Every part but the last has the file's part size.
      const theirs = Math.max(0, ...parts.map((p) => p.contentLength));
      const plannedSize = planned[0]?.length ?? size;
      const jobs = parts.length === 0 || theirs === plannedSize ? planned : partJobs(size, theirs, 1);
      const done = new Map<number, string>();
      let matches = jobs.length <= MAX_PARTS;
      for (const part of parts) {
        const job = jobs[part.partNumber - 1];
        const localSha1 = job ? await sha1OfRange(handle, job.offset, job.length) : undefined;
        if (!job || job.length !== part.contentLength || localSha1 !== part.contentSha1) {
          matches = false;
          break;
        }
        done.set(part.partNumber, part.contentSha1);
      }
      if (matches) {
        ctx.policy.log?.(`resuming large file ${candidate.fileId}: ${done.size} of ${jobs.length} parts already uploaded`);
        return { fileId: candidate.fileId, jobs, done };
      }
    }
    startFileId = page.nextFileId;
  } while (startFileId);
  return undefined;
}

/**
 * Parts are hashed as they are sent, so B2 vouches for each part but not that the parts are the
 * bytes `large_file_sha1` was computed from. A file written to meanwhile (size, mtime or ctime
 * changed; ctime cannot be set back by a program) is not finished: the large file is cancelled
 * and the upload fails, instead of leaving an object whose SHA-1 lies.
 */
async function checkUnchanged(ctx: Context, handle: FileHandle, before: Stats, fileId: string, failure?: unknown): Promise<void> {
  const after = await handle.stat();
  if (after.size === before.size && after.mtimeMs === before.mtimeMs && after.ctimeMs === before.ctimeMs) return;
  await ctx.api.call("b2_cancel_large_file", { fileId }).catch(() => undefined);
  // The source's own account of the change (e.g. "file shrank") says more than ours.
  if (failure instanceof ValidationError) throw failure;
  throw new ValidationError("file changed while being uploaded; the large file was cancelled", "b2_finish_large_file");
}

/** Files up to this size go up as one request from memory; bigger ones are streamed from disk. */
const IN_MEMORY_MAX = 16 << 20;

/** One b2_upload_file of a whole file, streamed from disk after a hashing pass (never held in memory). */
async function uploadWhole(ctx: Context, state: BucketState, settings: UploadSettings, handle: FileHandle, size: number): Promise<{ model: FileModel; handle: FileState }> {
  if (size <= IN_MEMORY_MAX) return upload(ctx, state, settings, await readRange(handle, 0, size));
  const sha1 = await sha1OfFile(handle, size, settings.signal);
  const progress = throttledProgress(settings.onProgress);
  progress(0, size);
  let most = 0;
  const body = counted(fileRange(handle, 0, size, new BufferRing(READ_SIZE, 4)), (n) => {
    if (n <= most || n >= size) return; // the total once B2 has answered, as in upload()
    most = n;
    progress(n, size);
  });
  const result = await uploadWithSha1(ctx, state, settings, body, sha1);
  progress(size, size);
  return result;
}

export async function uploadFile(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  pathway: string,
  allowParts: boolean,
): Promise<{ model: FileModel; handle: FileState }> {
  const { signal } = settings;
  const info = await stat(pathway);
  if (!info.isFile()) throw new ValidationError(`${pathway} is not a regular file`, "b2_upload_file");
  const withTime: UploadSettings = { ...settings, lastModified: settings.lastModified ?? Math.round(info.mtimeMs) };
  // Bad input is refused before any request, authorization included.
  uploadHeaders(withTime, "b2_upload_file");
  checkConcurrency(settings.concurrency, "b2_upload_file");
  signal?.throwIfAborted();
  const auth = await ctx.api.session.get();
  const minimum = { chunkSize: ctx.options.chunkSize, minimum: auth.absoluteMinimumPartSize };
  if (!allowParts || info.size <= choosePartSize(info.size, minimum.chunkSize, minimum.minimum)) {
    if (info.size > MAX_SIMPLE_UPLOAD) throw new ValidationError(`${info.size} bytes is over B2's 5 GB single-upload limit; allow parts`, "b2_upload_file");
    const handle = await open(pathway, "r");
    try {
      return await uploadWhole(ctx, state, withTime, handle, info.size);
    } finally {
      await handle.close();
    }
  }
  const lanes = settings.concurrency ?? ctx.options.concurrency;
  const partSize = planPartSize(info.size, { ...minimum, recommended: auth.recommendedPartSize, lanes });
  const handle = await open(pathway, "r");
  try {
    uploadHeaders(withTime, "b2_start_large_file");
    // The first page of candidates for a resume is asked for while the file is being hashed.
    const firstPage = unfinishedPage(ctx, state.bucketId, withTime.fileName, undefined, signal);
    firstPage.catch(() => undefined); // awaited below, unless hashing fails first
    const before = await handle.stat();
    const wholeSha1 = await sha1OfFile(handle, info.size, signal);
    const start = startBody(state.bucketId, withTime, { large_file_sha1: wholeSha1 });
    const planned = partJobs(info.size, partSize, 1);
    const resumed = await findResumable(ctx, state.bucketId, withTime, start["fileInfo"] as Record<string, string>, planned, info.size, handle, firstPage);
    const jobs = resumed?.jobs ?? planned;
    signal?.throwIfAborted();
    const fileId = resumed?.fileId ?? ((await ctx.api.call<FileModel>("b2_start_large_file", start, signal)).fileId as string);
    const missing = jobs.filter((j) => !resumed?.done.has(j.partNumber));
    const missingBytes = missing.reduce((n, j) => n + j.length, 0);
    let sha1s: Map<number, string>;
    try {
      sha1s = await uploadFileParts(ctx, fileId, handle, missing, withTime, info.size, info.size - missingBytes);
    } catch (error) {
      // A part that failed because the file was written to meanwhile (e.g. it shrank): cancel, say so.
      await checkUnchanged(ctx, handle, before, fileId, error);
      throw error;
    }
    for (const [n, sha1] of resumed?.done ?? []) sha1s.set(n, sha1);
    await checkUnchanged(ctx, handle, before, fileId);
    // An abort before the finish leaves the large file unfinished, as documented: a rerun resumes it.
    signal?.throwIfAborted();
    const model = await finishLargeFile(ctx, fileId, jobs.map((j) => sha1s.get(j.partNumber) as string), signal);
    return { model, handle: fileHandle(model, state.bucketId) };
  } finally {
    await handle.close();
  }
}

// ── Parts handle ─────────────────────────────────────────────────────────────────────────

/** The encryption of the parts handle's uploads: its SSE-C key, if it was given one. */
function partsSse(state: PartsState): ServerSideEncryption | undefined {
  const key = state.serverSideEncryption;
  return key ? { ...key, mode: "SSE-C" } : undefined;
}

/** Uploads bytes as the next part (the part number is reserved before any await). */
export async function partsData(ctx: Context, state: PartsState, data: Uint8Array): Promise<PartModel> {
  const partNumber = state.partNumber + 1;
  checkPartNumber(partNumber, "b2_upload_part");
  checkPartSize(data.byteLength, "b2_upload_part");
  state.partNumber = partNumber;
  return uploadPart(ctx, state.fileId, partNumber, data, partsSse(state));
}

/** Uploads a local file as the following parts, in chunk-size pieces. */
export async function partsFile(ctx: Context, state: PartsState, pathway: string): Promise<void> {
  const info = await stat(pathway);
  const auth = await ctx.api.session.get();
  const partSize = Math.max(ctx.options.chunkSize, auth.absoluteMinimumPartSize);
  const jobs = partJobs(info.size, partSize, state.partNumber + 1);
  const lastJob = jobs.at(-1);
  if (lastJob) checkPartNumber(lastJob.partNumber, "b2_upload_part");
  state.partNumber += jobs.length;
  const handle = await open(pathway, "r");
  try {
    await uploadFileParts(ctx, state.fileId, handle, jobs, { serverSideEncryption: partsSse(state) }, info.size);
  } finally {
    await handle.close();
  }
}

export async function partsCopy(ctx: Context, state: PartsState, settings: CopyPartSettings): Promise<PartModel> {
  const partNumber = state.partNumber + 1;
  checkPartNumber(partNumber, "b2_copy_part");
  checkCopyRange(settings.range, "b2_copy_part");
  state.partNumber = partNumber;
  return ctx.api.call<PartModel>("b2_copy_part", { ...settings, largeFileId: state.fileId, partNumber });
}

/** Lists every uploaded part (for their SHA-1s) and finishes the large file. */
export async function partsFinish(ctx: Context, state: PartsState): Promise<FileModel> {
  const sha1s: string[] = [];
  for (const part of await listAllParts(ctx, state.fileId)) sha1s[part.partNumber - 1] = part.contentSha1;
  return finishLargeFile(ctx, state.fileId, sha1s);
}

/** A part upload URL for the large file: an idle pooled one, or a new one added to the pool. */
export async function partUploadUrl(ctx: Context, state: FileState): Promise<UploadUrlModel> {
  const idle = ctx.partUrls.peek(state.fileId);
  if (idle) return idle;
  const url = await ctx.api.call<UploadUrlModel>("b2_get_upload_part_url", { fileId: state.fileId });
  ctx.partUrls.give(state.fileId, url);
  return url;
}
