/**
 * File contents on disk. A body streams to a temp file while being hashed (and, for SSE-C, encrypted with the
 * customer key), is fsynced and renamed into blobs/; only then may its metadata be committed. Nothing is buffered whole.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readdirSync, rmSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { throttle } from "./wire.faults.js";

/** One stored piece of content: a whole simple file, or one part of a large file. */
export interface Segment {
  path: string;
  length: number;
  /** hex IV when encrypted at rest with an SSE-C customer key. */
  iv?: string;
}

export interface Written {
  segment: Segment;
  sha1: string;
  md5: string;
  /** The 40 hex digits sent after the content (X-Bz-Content-Sha1: hex_digits_at_end). */
  trailer?: string;
}

export class Blobs {
  constructor(readonly dataDir: string) {
    mkdirSync(join(dataDir, "blobs"), { recursive: true });
    mkdirSync(join(dataDir, "tmp"), { recursive: true });
    // Bodies that never reached their rename were never acknowledged: drop them.
    for (const name of readdirSync(join(dataDir, "tmp"))) rmSync(join(dataDir, "tmp", name), { force: true });
  }

  /** Streams `source` to a new blob; `trailerBytes` held back from the end (40 for hex_digits_at_end). */
  async write(source: Readable | AsyncIterable<Buffer>, options: { trailerBytes?: number; key?: Buffer; bytesPerSec?: number } = {}): Promise<Written> {
    const id = randomBytes(16).toString("hex");
    const tmp = join(this.dataDir, "tmp", id);
    const sha1 = createHash("sha1");
    const md5 = createHash("md5");
    const hold = options.trailerBytes ?? 0;
    let held = Buffer.alloc(0);
    let length = 0;
    const iv = options.key ? randomBytes(16) : undefined;
    const cipher = options.key && iv ? createCipheriv("aes-256-ctr", options.key, iv) : undefined;
    const hasher = new Transform({
      highWaterMark: 4 << 20,
      transform(this: Transform, chunk: Buffer, _enc, done: TransformCallback) {
        const emit = (data: Buffer): void => {
          if (data.length === 0) return;
          sha1.update(data);
          md5.update(data);
          length += data.length;
          this.push(cipher ? cipher.update(data) : data);
        };
        if (hold === 0) emit(chunk);
        else if (chunk.length >= hold) {
          // The stream's last `hold` bytes are held back; only that small tail is ever copied, never the chunk.
          emit(held);
          emit(chunk.subarray(0, chunk.length - hold));
          held = Buffer.from(chunk.subarray(chunk.length - hold));
        } else {
          const all = Buffer.concat([held, chunk]); // < 2 * hold bytes
          const cut = Math.max(0, all.length - hold);
          emit(all.subarray(0, cut));
          held = all.subarray(cut);
        }
        done();
      },
    });
    try {
      const sink = createWriteStream(tmp, { highWaterMark: 4 << 20 });
      if (options.bytesPerSec) await pipeline(source, throttle(options.bytesPerSec), hasher, sink);
      else await pipeline(source, hasher, sink);
      // fsync flushes the inode's data whichever descriptor asks: the content is on disk before any commit.
      const handle = await open(tmp, "r+");
      await handle.sync().finally(() => handle.close());
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const path = join("blobs", id);
    await rename(tmp, join(this.dataDir, path));
    await syncDirectory(join(this.dataDir, "blobs"));
    const written: Written = {
      segment: { path, length, ...(iv ? { iv: iv.toString("hex") } : {}) },
      sha1: sha1.digest("hex"),
      md5: md5.digest("hex"),
    };
    if (hold > 0) written.trailer = held.toString("latin1");
    return written;
  }

  /** Bytes [start, end] (inclusive) of the concatenation of `segments`, decrypted with `key` where encrypted. */
  read(segments: Segment[], start: number, end: number, key?: Buffer): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const dataDir = this.dataDir;
    (async () => {
      let base = 0;
      for (const seg of segments) {
        const segStart = Math.max(start - base, 0);
        const segEnd = Math.min(end - base, seg.length - 1);
        if (segStart <= segEnd) {
          const file = (await open(join(dataDir, seg.path), "r")).createReadStream({ start: segStart, end: segEnd, highWaterMark: 1 << 20 });
          const src: Readable = seg.iv && key ? file.pipe(decipherAt(key, Buffer.from(seg.iv, "hex"), segStart)) : file;
          for await (const chunk of src) {
            if (out.destroyed) break;
            // Wait for the reader, or stop when it goes away (client aborted): no leaked file handles.
            if (!out.write(chunk)) await drainOrClose(out);
          }
          if (out.destroyed) return;
        }
        base += seg.length;
        if (base > end) break;
      }
      out.end();
    })().catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  /** Copies bytes of existing segments into a new blob (re-encrypting for the destination's key). */
  async copy(segments: Segment[], start: number, end: number, readKey?: Buffer, writeKey?: Buffer): Promise<Written> {
    const source = end >= start ? this.read(segments, start, end, readKey) : Readable.from([]);
    return this.write(source, writeKey ? { key: writeKey } : {});
  }

  /** Deletes every blob whose path is not in `used`; returns how many. */
  removeUnused(used: Set<string>): number {
    let removed = 0;
    for (const name of readdirSync(join(this.dataDir, "blobs"))) {
      if (used.has(join("blobs", name))) continue;
      rmSync(join(this.dataDir, "blobs", name), { force: true });
      removed++;
    }
    return removed;
  }

  async remove(segments: Segment[]): Promise<void> {
    for (const seg of segments) await rm(join(this.dataDir, seg.path), { force: true });
  }
}

/** Makes a rename durable (the directory entry), where the platform allows opening a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    await handle.sync().finally(() => handle.close());
  } catch {
    /* not supported here (e.g. Windows): the file's own fsync still holds */
  }
}

function drainOrClose(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}

/** A CTR decipher positioned at byte `offset` of the stream (counter = iv + offset/16, then skip offset%16). */
function decipherAt(key: Buffer, iv: Buffer, offset: number): Transform {
  const counter = (BigInt(`0x${iv.toString("hex")}`) + BigInt(Math.floor(offset / 16))) % (1n << 128n);
  const start = Buffer.from(counter.toString(16).padStart(32, "0"), "hex");
  const decipher = createDecipheriv("aes-256-ctr", key, start);
  let skip = offset % 16;
  if (skip > 0) decipher.update(Buffer.alloc(skip));
  skip = 0;
  return decipher;
}
