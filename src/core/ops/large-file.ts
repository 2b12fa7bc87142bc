/**
 * Large files: `Bucket.uploadFile` (streamed from disk, parallel parts, `large_file_sha1`),
 * the `Parts` handle (`data`, `file`, `copy`, `finish`) and part upload URLs.
 */
import { createHash } from "node:crypto";
import { open, stat, type FileHandle } from "node:fs/promises";
import { BadRequest, ValidationError } from "../../errors.js";
import type { CopyPartSettings, FileModel, PartModel, ServerSideEncryption, UploadSettings, UploadUrlModel } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState, PartsState } from "../handles.js";
import { fileInfoOf, sendWithRotation, sha1Hex, sseHeaders, uploadHeaders } from "../upload.js";
import { checkPartNumber, checkPartSize, checkRange } from "../validate.js";
import { throttledProgress } from "../progress.js";
import { fileHandle } from "./handles.js";
import { upload } from "./simple-upload.js";

const MAX_PARTS = 10_000;
const MAX_SIMPLE_UPLOAD = 5_000_000_000;

/** Part size: the configured chunk size, at least B2's minimum, grown so the file fits in 10,000 parts. */
export function choosePartSize(size: number, chunkSize: number, minimum: number): number {
  return Math.max(chunkSize, minimum, Math.ceil(size / MAX_PARTS));
}

/**
 * One pass over the file: the whole-file SHA-1 (`large_file_sha1`, needed before the large file
 * starts) and every part's SHA-1 (sent with the part; B2 checks the bytes against it, so a file
 * changed meanwhile fails instead of uploading mixed content).
 */
async function hashFile(handle: FileHandle, size: number, bufferSize: number, partSize: number): Promise<{ whole: string; parts: string[] }> {
  const whole = createHash("sha1");
  const parts: string[] = [];
  let part = createHash("sha1");
  const buffer = Buffer.allocUnsafe(Math.min(bufferSize, Math.max(size, 1)));
  for (let offset = 0; offset < size; ) {
    const boundary = Math.min(size, (Math.floor(offset / partSize) + 1) * partSize);
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, boundary - offset), offset);
    if (bytesRead === 0) throw new ValidationError("file shrank while being read", "b2_upload_part");
    const bytes = buffer.subarray(0, bytesRead);
    whole.update(bytes);
    part.update(bytes);
    offset += bytesRead;
    if (offset === boundary) {
      parts.push(part.digest("hex"));
      part = createHash("sha1");
    }
  }
  return { whole: whole.digest("hex"), parts };
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

function withCustomerKeyMd5(sse: ServerSideEncryption | undefined): Record<string, unknown> | undefined {
  if (!sse) return undefined;
  if (sse.mode === "SSE-B2") return { mode: "SSE-B2", algorithm: sse.algorithm ?? "AES256" };
  const headers = sseHeaders(sse);
  return { mode: "SSE-C", algorithm: sse.algorithm ?? "AES256", customerKey: sse.customerKey, customerKeyMd5: headers["X-Bz-Server-Side-Encryption-Customer-Key-Md5"] };
}

/** The b2_start_large_file body for upload settings (all metadata kept). */
export function startBody(bucketId: string, settings: UploadSettings, extraInfo: Record<string, string>): Record<string, unknown> {
  uploadHeaders(settings, "b2_start_large_file"); // the same validation as a simple upload
  return {
    bucketId,
    fileName: settings.fileName,
    contentType: settings.contentType ?? "b2/x-auto",
    fileInfo: fileInfoOf(settings, extraInfo),
    serverSideEncryption: withCustomerKeyMd5(settings.serverSideEncryption),
    fileRetention: settings.fileRetention,
    legalHold: settings.legalHold,
  };
}

export async function uploadPart(
  ctx: Context,
  fileId: string,
  partNumber: number,
  data: Uint8Array,
  sse: ServerSideEncryption | undefined,
  signal?: AbortSignal,
  sha1: string = sha1Hex(data),
): Promise<PartModel> {
  checkPartNumber(partNumber, "b2_upload_part");
  checkPartSize(data.byteLength, "b2_upload_part");
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
      fetchUrl: () => ctx.api.call<UploadUrlModel>("b2_get_upload_part_url", { fileId }),
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
export async function finishLargeFile(ctx: Context, fileId: string, partSha1Array: string[]): Promise<FileModel> {
  try {
    return await ctx.api.call<FileModel>("b2_finish_large_file", { fileId, partSha1Array });
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    const info = await ctx.api.call<FileModel>("b2_get_file_info", { fileId }).catch(() => undefined);
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
  /** The part's SHA-1 when already known (from the pre-hash pass). */
  sha1?: string;
}

/** Uploads ranges of an open file as parts with `concurrency` lanes; returns their SHA-1s by part. */
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
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      const job = jobs[next++] as PartJob;
      try {
        const data = await readRange(handle, job.offset, job.length);
        const part = await uploadPart(ctx, fileId, job.partNumber, data, settings.serverSideEncryption, settings.signal, job.sha1 ?? sha1Hex(data));
        sha1s.set(job.partNumber, part.contentSha1);
        done += job.length;
        progress(done, total);
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

async function listAllParts(ctx: Context, fileId: string): Promise<PartModel[]> {
  const parts: PartModel[] = [];
  let startPartNumber: number | null | undefined;
  do {
    const page: { parts: PartModel[]; nextPartNumber: number | null } = await ctx.api.call("b2_list_parts", {
      fileId,
      startPartNumber: startPartNumber ?? undefined,
      maxPartCount: 1000,
    });
    parts.push(...page.parts);
    startPartNumber = page.nextPartNumber;
  } while (startPartNumber);
  return parts;
}

/**
 * An interrupted upload of the same content: an unfinished large file with this name and this
 * `large_file_sha1` whose every uploaded part has the size and SHA-1 of the local part. Never
 * attaches to a file with different content.
 */
async function findResumable(
  ctx: Context,
  bucketId: string,
  fileName: string,
  wholeSha1: string,
  jobs: PartJob[],
  handle: FileHandle,
): Promise<{ fileId: string; done: Map<number, string> } | undefined> {
  let startFileId: string | null | undefined;
  do {
    const page: { files: FileModel[]; nextFileId: string | null } = await ctx.api.call("b2_list_unfinished_large_files", {
      bucketId,
      namePrefix: fileName,
      startFileId: startFileId ?? undefined,
      maxFileCount: 100,
    });
    for (const candidate of page.files) {
      if (candidate.fileName !== fileName || candidate.fileInfo?.["large_file_sha1"] !== wholeSha1 || !candidate.fileId) continue;
      const done = new Map<number, string>();
      let matches = true;
      for (const part of await listAllParts(ctx, candidate.fileId)) {
        const job = jobs[part.partNumber - 1];
        const localSha1 = job?.sha1 ?? (job ? sha1Hex(await readRange(handle, job.offset, job.length)) : undefined);
        if (!job || job.length !== part.contentLength || localSha1 !== part.contentSha1) {
          matches = false;
          break;
        }
        done.set(part.partNumber, part.contentSha1);
      }
      if (matches) {
        ctx.policy.log?.(`resuming large file ${candidate.fileId}: ${done.size} of ${jobs.length} parts already uploaded`);
        return { fileId: candidate.fileId, done };
      }
    }
    startFileId = page.nextFileId;
  } while (startFileId);
  return undefined;
}

export async function uploadFile(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  pathway: string,
  allowParts: boolean,
): Promise<{ model: FileModel; handle: FileState }> {
  const info = await stat(pathway);
  if (!info.isFile()) throw new ValidationError(`${pathway} is not a regular file`, "b2_upload_file");
  const withTime: UploadSettings = { ...settings, lastModified: settings.lastModified ?? Math.round(info.mtimeMs) };
  const auth = await ctx.api.session.get();
  const partSize = choosePartSize(info.size, ctx.options.chunkSize, auth.absoluteMinimumPartSize);
  if (!allowParts || info.size <= partSize) {
    if (info.size > MAX_SIMPLE_UPLOAD) throw new ValidationError(`${info.size} bytes is over B2's 5 GB single-upload limit; allow parts`, "b2_upload_file");
    const handle = await open(pathway, "r");
    try {
      return await upload(ctx, state, withTime, await readRange(handle, 0, info.size));
    } finally {
      await handle.close();
    }
  }
  const handle = await open(pathway, "r");
  try {
    uploadHeaders(withTime, "b2_start_large_file");
    const hashes = await hashFile(handle, info.size, 1 << 20, partSize);
    const wholeSha1 = hashes.whole;
    const jobs = partJobs(info.size, partSize, 1).map((job, i) => ({ ...job, sha1: hashes.parts[i] as string }));
    const resumed = await findResumable(ctx, state.bucketId, withTime.fileName, wholeSha1, jobs, handle);
    const fileId =
      resumed?.fileId ??
      ((await ctx.api.call<FileModel>("b2_start_large_file", startBody(state.bucketId, withTime, { large_file_sha1: wholeSha1 }))).fileId as string);
    const missing = jobs.filter((j) => !resumed?.done.has(j.partNumber));
    const missingBytes = missing.reduce((n, j) => n + j.length, 0);
    const sha1s = await uploadFileParts(ctx, fileId, handle, missing, withTime, info.size, info.size - missingBytes);
    for (const [n, sha1] of resumed?.done ?? []) sha1s.set(n, sha1);
    const model = await finishLargeFile(ctx, fileId, jobs.map((j) => sha1s.get(j.partNumber) as string));
    return { model, handle: fileHandle(model, state.bucketId) };
  } finally {
    await handle.close();
  }
}

// ── Parts handle ─────────────────────────────────────────────────────────────────────────

/** Uploads bytes as the next part (the part number is reserved before any await). */
export async function partsData(ctx: Context, state: PartsState, data: Uint8Array): Promise<PartModel> {
  const partNumber = state.partNumber + 1;
  checkPartNumber(partNumber, "b2_upload_part");
  checkPartSize(data.byteLength, "b2_upload_part");
  state.partNumber = partNumber;
  return uploadPart(ctx, state.fileId, partNumber, data, undefined);
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
    await uploadFileParts(ctx, state.fileId, handle, jobs, {}, info.size);
  } finally {
    await handle.close();
  }
}

export async function partsCopy(ctx: Context, state: PartsState, settings: CopyPartSettings): Promise<PartModel> {
  const partNumber = state.partNumber + 1;
  checkPartNumber(partNumber, "b2_copy_part");
  checkRange(settings.range ?? undefined, "b2_copy_part");
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
