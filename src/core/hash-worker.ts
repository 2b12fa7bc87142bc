/**
 * The SHA-1 of a file being written by a download, computed on a worker thread that reads the
 * file back behind the writers, so the hash no longer shares the event loop with the sockets
 * (measured on a 256 MiB save over loopback: about 385 MB/s hashing on the loop, about 530 MB/s
 * with no hash at all). The worker is told how far the written prefix reaches; it never reads
 * beyond it.
 */
import { Worker } from "node:worker_threads";

// A plain script (no module resolution, works the same from src/ under tsx and from dist/).
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash } = require("node:crypto");
const fd = openSync(workerData.path, "r");
const hash = createHash("sha1");
const buffer = Buffer.allocUnsafe(4 << 20);
let at = 0;
function upTo(end) {
  while (at < end) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
    if (n === 0) throw new Error("read back " + at + " of " + end + " bytes");
    hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
    at += n;
  }
}
parentPort.on("message", (m) => {
  try {
    upTo(m.upTo);
    if (m.last) {
      closeSync(fd);
      parentPort.postMessage({ sha1: hash.digest("hex") });
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

/** Posting smaller steps than this costs more in messages than it gains in overlap. */
const STEP = 4 << 20;

export class FileHashFollower {
  readonly #worker: Worker;
  readonly #result: Promise<string>;
  #posted = 0;

  constructor(path: string) {
    this.#worker = new Worker(SOURCE, { eval: true, workerData: { path } });
    this.#result = new Promise<string>((resolve, reject) => {
      this.#worker.on("message", (m: { sha1?: string; error?: string }) => (m.sha1 ? resolve(m.sha1) : reject(new Error(`hash worker: ${m.error}`))));
      this.#worker.on("error", reject);
      this.#worker.on("exit", (code) => reject(new Error(`hash worker exited (${code})`)));
    });
    this.#result.catch(() => undefined); // observed by digest()
  }

  /** The file's bytes [0, end) are written. */
  advance(end: number): void {
    if (end - this.#posted < STEP) return;
    this.#posted = end;
    this.#worker.postMessage({ upTo: end });
  }

  /** The SHA-1 of the file's first `total` bytes, all of them written. */
  async digest(total: number): Promise<string> {
    this.#worker.postMessage({ upTo: total, last: true });
    try {
      return await this.#result;
    } finally {
      void this.#worker.terminate();
    }
  }

  close(): void {
    void this.#worker.terminate();
  }
}
