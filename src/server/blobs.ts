/**
 * File contents on disk. A body streams to a temp file while being hashed (and encrypted with AES-256-CTR: SSE-C
 * with the customer key, SSE-B2 with a per-blob key derived from the server's master key), is fsynced and renamed
 * into blobs/; only then may its metadata be committed. Nothing is buffered whole. Bodies from 1 MB are hashed,
 * encrypted and written by worker threads (body-workers.ts), smaller ones on the event loop.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BodyWorkers, type Digests, bodyWorkers } from "./body-workers.js";
import { throttle } from "./wire.faults.js";

/** One stored piece of content: a whole simple file, or one part of a large file. */
export interface Segment {
  path: string;
  length: number;
  /** hex IV when encrypted at rest (with an SSE-C customer key, or SSE-B2). */
  iv?: string;
  /** SSE-B2: the key is derived from the server's master key and the blob's id (the store decrypts by itself). */
  sseB2?: true;
}

/** How new content is encrypted at rest: an SSE-C customer key, SSE-B2 (the server's keys), or not at all. */
export type AtRest = Buffer | "sse-b2" | undefined;

/**
 * The stream's last `hold` bytes held back (the hex_digits_at_end trailer): take() gives the pieces of a chunk that
 * are content. Only that small tail is ever copied, never a chunk.
 */
function holdBack(hold: number): { take(chunk: Buffer): Buffer[]; held(): Buffer } {
  let held = Buffer.alloc(0);
  return {
    take(chunk: Buffer): Buffer[] {
      let pieces: Buffer[];
      if (hold === 0) pieces = [chunk];
      else if (chunk.length >= hold) {
        pieces = [held, chunk.subarray(0, chunk.length - hold)];
        held = Buffer.from(chunk.subarray(chunk.length - hold));
      } else {
        const all = Buffer.concat([held, chunk]); // < 2 * hold bytes
        const cut = Math.max(0, all.length - hold);
        pieces = [all.subarray(0, cut)];
        held = all.subarray(cut);
      }
      return pieces.filter((p) => p.length > 0);
    },
    held: () => held,
  };
}

/** fsync flushes the inode's data whichever descriptor asks: the content is on disk before any commit. */
async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  await handle.sync().finally(() => handle.close());
}

/** The SSE-B2 master key's file in the data directory (32 random bytes, mode 0600, made once). */
const MASTER_KEY_FILE = "sse-b2-master.key";

export interface Written {
  segment: Segment;
  sha1: string;
  md5: string;
  /** The 40 hex digits sent after the content (X-Bz-Content-Sha1: hex_digits_at_end). */
  trailer?: string;
}

/** Bodies from this size (as announced: Content-Length, a copy's range) go to the body workers. */
export const OFF_THREAD_FROM = 1 << 20;

export interface BlobsOptions {
  /** The worker threads that hash, encrypt and write large bodies (default: the process's). */
  bodyWorkers?: BodyWorkers;
  /** Bodies announced at least this large go to the workers (default OFF_THREAD_FROM). */
  offThreadFrom?: number;
}

export class Blobs {
  private readonly masterKey: Buffer;
  private readonly bodyWorkers: BodyWorkers;
  private readonly offThreadFrom: number;
  /** Readers per blob path (reads under way, see `read`). */
  private readonly readers = new Map<string, number>();
  /** Blobs removed while being read: deleted when their last reader is done. */
  private readonly doomed = new Set<string>();

  constructor(
    readonly dataDir: string,
    options: BlobsOptions = {},
  ) {
    this.bodyWorkers = options.bodyWorkers ?? bodyWorkers;
    this.offThreadFrom = options.offThreadFrom ?? OFF_THREAD_FROM;
    mkdirSync(join(dataDir, "blobs"), { recursive: true });
    mkdirSync(join(dataDir, "tmp"), { recursive: true });
    // Bodies that never reached their rename were never acknowledged: drop them.
    for (const name of readdirSync(join(dataDir, "tmp"))) rmSync(join(dataDir, "tmp", name), { force: true });
    this.masterKey = masterKey(dataDir);
  }

  /** The SSE-B2 key of one blob: HMAC-SHA256(master key, blob id). */
  private sseB2Key(path: string): Buffer {
    return createHmac("sha256", this.masterKey).update(`sse-b2:${basename(path)}`).digest();
  }

  /** The key that decrypts `seg`: its own SSE-B2 key, else the SSE-C key given. */
  private keyOf(seg: Segment, key: Buffer | undefined): Buffer | undefined {
    return seg.sseB2 ? this.sseB2Key(seg.path) : key;
  }

  /**
   * Streams `source` to a new blob; `trailerBytes` held back from the end (40 for hex_digits_at_end); `atRest`
   * encrypts (the SSE-C customer key, or "sse-b2"). A body announced (`sizeHint`) at least `offThreadFrom` bytes
   * long is hashed, encrypted and written by the body workers; a smaller one on the event loop.
   */
  async write(
    source: Readable | AsyncIterable<Buffer>,
    options: { trailerBytes?: number; atRest?: AtRest; bytesPerSec?: number; sizeHint?: number } = {},
  ): Promise<Written> {
    const id = randomBytes(16).toString("hex");
    const tmp = join(this.dataDir, "tmp", id);
    const tail = holdBack(options.trailerBytes ?? 0);
    const key = options.atRest === "sse-b2" ? this.sseB2Key(id) : options.atRest;
    const iv = key ? randomBytes(16) : undefined;
    const input = (...into: [Writable] | [Transform, Writable]): Promise<void> =>
      options.bytesPerSec
        ? (pipeline as (...streams: unknown[]) => Promise<void>)(source, throttle(options.bytesPerSec), ...into)
        : (pipeline as (...streams: unknown[]) => Promise<void>)(source, ...into);
    let length = 0;
    let digests: Digests;
    if ((options.sizeHint ?? 0) >= this.offThreadFrom) {
      const job = this.bodyWorkers.start({ path: tmp, key, iv });
      /** Set when the workers failed mid-body: the rest is read and dropped (the client still gets an answer). */
      let failed: Error | undefined;
      const sink = new Writable({
        write(chunk: Buffer, _enc, done: (error?: Error | null) => void) {
          if (failed) return done();
          const pieces = tail.take(chunk);
          let i = 0;
          const next = (): void => {
            while (i < pieces.length) {
              const piece = pieces[i++] as Buffer;
              length += piece.length;
              // A promise when the job's slots are all in flight: this chunk's callback waits for it, which pauses
              // the body stream (backpressure).
              const wait = job.add(piece);
              if (wait) {
                wait.then(next, (error: Error) => {
                  failed = error;
                  done();
                });
                return;
              }
            }
            done();
          };
          next();
        },
        final(done: (error?: Error | null) => void) {
          done(failed);
        },
      });
      try {
        await input(sink);
        digests = await job.end();
        await fsyncFile(tmp);
      } catch (error) {
        await job.abort();
        await rm(tmp, { force: true });
        throw error;
      }
    } else {
      const sha1 = createHash("sha1");
      const md5 = createHash("md5");
      const cipher = key && iv ? createCipheriv("aes-256-ctr", key, iv) : undefined;
      const hasher = new Transform({
        highWaterMark: 4 << 20,
        transform(this: Transform, chunk: Buffer, _enc, done: TransformCallback) {
          for (const piece of tail.take(chunk)) {
            sha1.update(piece);
            md5.update(piece);
            length += piece.length;
            this.push(cipher ? cipher.update(piece) : piece);
          }
          done();
        },
      });
      try {
        await input(hasher, createWriteStream(tmp, { highWaterMark: 4 << 20 }));
        await fsyncFile(tmp);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      digests = { sha1: sha1.digest("hex"), md5: md5.digest("hex") };
    }
    const path = join("blobs", id);
    await rename(tmp, join(this.dataDir, path));
    await syncDirectory(join(this.dataDir, "blobs"));
    const written: Written = {
      segment: { path, length, ...(iv ? { iv: iv.toString("hex") } : {}), ...(options.atRest === "sse-b2" ? { sseB2: true as const } : {}) },
      ...digests,
    };
    if (options.trailerBytes) written.trailer = tail.held().toString("latin1");
    return written;
  }

  /**
   * Bytes [start, end] (inclusive) of the concatenation of `segments`, decrypted where encrypted: SSE-B2 segments
   * with their own key, SSE-C ones with `key`. The segments are held (see `remove`) from this call on, so a caller
   * that calls it in the same tick as it looked up their row always reads them whole, even if they are deleted
   * meanwhile. Each is opened only when reached: a large file's 10,000 parts are not 10,000 open descriptors.
   */
  read(segments: Segment[], start: number, end: number, key?: Buffer): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const dataDir = this.dataDir;
    const wanted: { seg: Segment; from: number; to: number }[] = [];
    let base = 0;
    for (const seg of segments) {
      const from = Math.max(start - base, 0);
      const to = Math.min(end - base, seg.length - 1);
      if (from <= to) wanted.push({ seg, from, to });
      base += seg.length;
      if (base > end) break;
    }
    for (const { seg } of wanted) this.readers.set(seg.path, (this.readers.get(seg.path) ?? 0) + 1);
    /** wanted[done..] are still held. */
    let done = 0;
    (async () => {
      try {
        while (done < wanted.length) {
          const { seg, from, to } = wanted[done] as (typeof wanted)[number];
          const file = (await open(join(dataDir, seg.path), "r")).createReadStream({ start: from, end: to, highWaterMark: 1 << 20 });
          try {
            const segKey = this.keyOf(seg, key);
            const decipher = seg.iv && segKey ? decipherAt(segKey, Buffer.from(seg.iv, "hex"), from) : undefined;
            // pipe() does not pass a read error on: without this the loop below would wait forever.
            file.once("error", (error) => decipher?.destroy(error));
            const src: Readable = decipher ? file.pipe(decipher) : file;
            for await (const chunk of src) {
              if (out.destroyed) break;
              // Wait for the reader, or stop when it goes away (client aborted): no leaked file handles.
              if (!out.write(chunk)) await drainOrClose(out);
            }
          } finally {
            file.destroy();
          }
          if (out.destroyed) return;
          done++;
          await this.release(seg.path);
        }
        out.end();
      } finally {
        while (done < wanted.length) await this.release((wanted[done++] as (typeof wanted)[number]).seg.path);
      }
    })().catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  /** Copies bytes of existing segments into a new blob (decrypted, then encrypted as the destination says). */
  async copy(segments: Segment[], start: number, end: number, readKey: Buffer | undefined, atRest: AtRest): Promise<Written> {
    const source = end >= start ? this.read(segments, start, end, readKey) : Readable.from([]);
    return this.write(source, { atRest, sizeHint: Math.max(0, end - start + 1) });
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

  /**
   * Removes content whose row is gone. Content being read (a download or copy that has started) is removed when its
   * last reader is done instead, so that reader gets it whole; a crash before then leaves it to the start-up sweep.
   */
  async remove(segments: Segment[]): Promise<void> {
    for (const seg of segments) {
      if (this.readers.has(seg.path)) this.doomed.add(seg.path);
      else await rm(join(this.dataDir, seg.path), { force: true });
    }
  }

  /** One reader of `path` is done: removes it if it was removed while read and this was its last reader. */
  private async release(path: string): Promise<void> {
    const left = (this.readers.get(path) ?? 1) - 1;
    if (left > 0) return void this.readers.set(path, left);
    this.readers.delete(path);
    if (this.doomed.delete(path)) await rm(join(this.dataDir, path), { force: true }).catch(() => undefined);
  }
}

/** The data directory's SSE-B2 master key, made (32 random bytes, owner-only file, fsynced) on first use. */
function masterKey(dataDir: string): Buffer {
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    const key = readFileSync(file);
    if (key.length !== 32) throw new Error(`${file}: not a 32-byte key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  const tmp = join(dataDir, "tmp", `${MASTER_KEY_FILE}.${process.pid}`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return key;
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
