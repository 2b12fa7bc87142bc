/** Where a positional download writes: a byte array (download) or an open file (save). */
import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { PositionalSink } from "./download-parallel.js";

/** The longest file name (in bytes) common file systems allow: ext4, XFS, APFS, NTFS (in UTF-16 units). */
const NAME_MAX = 255;
const PARTIAL_SUFFIX = ".b2kit-partial";

/**
 * A fresh temporary path beside `target` for save(): `.<name>.<12 hex>.b2kit-partial`, the name
 * part cut (at a character boundary) so that the whole name stays within 255 bytes, since any
 * name valid for the target must give a valid temporary name too.
 */
export function partialPath(target: string): string {
  const tag = `.${randomBytes(6).toString("hex")}${PARTIAL_SUFFIX}`;
  const room = NAME_MAX - 1 - Buffer.byteLength(tag);
  let name = "";
  let used = 0;
  for (const char of basename(target)) {
    const size = Buffer.byteLength(char);
    if (used + size > room) break;
    name += char;
    used += size;
  }
  return join(dirname(target), `.${name}${tag}`);
}

/** A byte array allocated once when the size is known; grows only when the size was not given. */
export class MemorySink implements PositionalSink {
  #buffer: Uint8Array;
  #size = 0;

  constructor(expected: number | undefined) {
    this.#buffer = new Uint8Array(expected ?? 0);
  }

  write(chunks: Uint8Array[], position: number): void {
    let at = position;
    const end = position + chunks.reduce((n, c) => n + c.byteLength, 0);
    if (end > this.#buffer.byteLength) {
      const grown = new Uint8Array(Math.max(end, this.#buffer.byteLength * 2));
      grown.set(this.#buffer.subarray(0, this.#size));
      this.#buffer = grown;
    }
    for (const chunk of chunks) {
      this.#buffer.set(chunk, at);
      at += chunk.byteLength;
    }
    this.#size = Math.max(this.#size, end);
  }

  read(position: number, length: number): Uint8Array {
    return this.#buffer.subarray(position, position + length);
  }

  /** The bytes written (the array itself when it was sized right). */
  bytes(): Uint8Array {
    return this.#size === this.#buffer.byteLength ? this.#buffer : this.#buffer.slice(0, this.#size);
  }
}

/**
 * Bytes written between background flushes. The final fsync (before the rename) then has little
 * left to write, and the disk works while the download does: measured on a 1 GiB save over
 * loopback, about 415 MB/s against 358 with one fsync at the end (medians of 7 interleaved runs).
 */
const SYNC_EVERY = 128 << 20;

/** An open file written with positional writes (flushed to disk as it goes); read back through one reused buffer. */
export class FileSink implements PositionalSink {
  #readBuffer: Buffer | undefined;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;

  constructor(
    readonly handle: FileHandle,
    readonly path?: string,
  ) {}

  async write(chunks: Uint8Array[], position: number): Promise<void> {
    let at = position;
    let pending = chunks;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, at);
      at += bytesWritten;
      pending = rest(pending, bytesWritten);
    }
    this.#unsynced += at - position;
    if (this.#unsynced >= SYNC_EVERY && !this.#syncing) {
      this.#unsynced = 0;
      this.#syncing = this.handle.datasync().catch(() => undefined).finally(() => (this.#syncing = undefined));
    }
  }

  /** Waits for a background flush, then makes the whole file durable. */
  async sync(): Promise<void> {
    await this.#syncing;
    await this.handle.sync();
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    if (!this.#readBuffer || this.#readBuffer.byteLength < length) this.#readBuffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(this.#readBuffer, got, length - got, position + got);
      if (bytesRead === 0) throw new Error(`read back ${got} of ${length} bytes at ${position}`);
      got += bytesRead;
    }
    return this.#readBuffer.subarray(0, length);
  }
}

/** What remains of `chunks` after the first `n` bytes (a short writev). */
function rest(chunks: Uint8Array[], n: number): Uint8Array[] {
  let skip = n;
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    out.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return out;
}
