/**
 * The pre-hash pass of `uploadFile`: one read of the file gives the whole-file SHA-1
 * (`large_file_sha1`, needed before the large file starts) and every part's SHA-1 (sent with the
 * part: B2 checks the bytes against it, so a file changed meanwhile fails instead of uploading
 * mixed content). Both come from the same bytes. On big files the part hashes run on a worker
 * thread, in parallel with the whole-file hash: each chunk is hashed here, then transferred (not
 * copied) to the worker, so the pass costs one SHA-1, not two, of wall time.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { ValidationError } from "../errors.js";

export interface FileHashes {
  whole: string;
  parts: string[];
}

const READ_SIZE = 1 << 20;
/** Below this the worker's start-up costs more than it saves. */
const WORKER_ABOVE = 32 * READ_SIZE;
/** Chunks handed to the worker and not yet hashed there: bounds memory at this × READ_SIZE. */
const WINDOW = 8;

// CommonJS, eval'd: no module to resolve from src/ or dist/. Cuts the chunks at part boundaries.
const PART_HASHER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { size, partSize } = workerData;
const parts = [];
let hash = createHash("sha1");
let offset = 0;
parentPort.on("message", (chunk) => {
  let bytes = new Uint8Array(chunk);
  while (bytes.length > 0) {
    const boundary = Math.min(size, (Math.floor(offset / partSize) + 1) * partSize);
    const take = Math.min(bytes.length, boundary - offset);
    hash.update(bytes.subarray(0, take));
    offset += take;
    bytes = bytes.subarray(take);
    if (offset === boundary) {
      parts.push(hash.digest("hex"));
      hash = createHash("sha1");
    }
  }
  parentPort.postMessage(offset >= size ? { parts } : { ack: true });
});
`;

async function readAt(handle: FileHandle, buffer: Buffer, offset: number): Promise<Buffer> {
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
  if (bytesRead === 0) throw new ValidationError("file shrank while being read", "b2_upload_part");
  return buffer.subarray(0, bytesRead);
}

/** Both hashes on this thread (small files). */
async function hashHere(handle: FileHandle, size: number, partSize: number): Promise<FileHashes> {
  const whole = createHash("sha1");
  const parts: string[] = [];
  let part = createHash("sha1");
  const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, Math.max(size, 1)));
  for (let offset = 0; offset < size; ) {
    const boundary = Math.min(size, (Math.floor(offset / partSize) + 1) * partSize);
    const bytes = await readAt(handle, buffer.subarray(0, Math.min(buffer.length, boundary - offset)), offset);
    whole.update(bytes);
    part.update(bytes);
    offset += bytes.length;
    if (offset === boundary) {
      parts.push(part.digest("hex"));
      part = createHash("sha1");
    }
  }
  return { whole: whole.digest("hex"), parts };
}

/** The whole-file hash here, the part hashes on a worker, over the same chunks. */
async function hashWithWorker(handle: FileHandle, size: number, partSize: number): Promise<FileHashes> {
  const worker = new Worker(PART_HASHER, { eval: true, workerData: { size, partSize } });
  let outstanding = 0;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  const parts = new Promise<string[]>((resolve, reject) => {
    worker.on("message", (message: { ack?: true; parts?: string[] }) => {
      if (message.parts) resolve(message.parts);
      outstanding--;
      wake?.();
    });
    worker.on("error", (error) => {
      failed = error;
      reject(error);
      wake?.();
    });
  });
  parts.catch(() => undefined); // observed below
  try {
    const whole = createHash("sha1");
    for (let offset = 0; offset < size; ) {
      while (outstanding >= WINDOW && !failed) await new Promise<void>((resolve) => (wake = resolve));
      if (failed) throw failed;
      // A fresh buffer per read: it is transferred to the worker once hashed here.
      const bytes = await readAt(handle, Buffer.allocUnsafe(Math.min(READ_SIZE, size - offset)), offset);
      whole.update(bytes);
      offset += bytes.length;
      outstanding++;
      const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      worker.postMessage(copy, [copy as ArrayBuffer]);
    }
    return { whole: whole.digest("hex"), parts: await parts };
  } finally {
    await worker.terminate();
  }
}

/** SHA-1 of the whole file and of each `partSize` piece, from one read. */
export function hashFile(handle: FileHandle, size: number, partSize: number): Promise<FileHashes> {
  return size > WORKER_ABOVE && size > partSize ? hashWithWorker(handle, size, partSize) : hashHere(handle, size, partSize);
}
