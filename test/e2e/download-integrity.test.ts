/**
 * A download whose bytes do not match B2's SHA-1 fails with ChecksumMismatch, in every download
 * path (one GET, parallel ranges in place, in-order parallel stream), and save() leaves nothing.
 * The corruption is real: the server's stored blob is altered on disk after the upload.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwaitingFile, ChecksumMismatch } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import { client, failure, flavors, SMALL_LIMITS, type Server, uniqueName } from "./support.js";

const scratch = mkdtempSync(join(tmpdir(), "b2kit-integrity-"));
let server: Server;

beforeAll(async () => {
  server = await startServer({ dataDir: join(scratch, "server"), limits: SMALL_LIMITS });
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Blob files of the server, newest last. */
function blobs(): string[] {
  const dir = join(scratch, "server", "blobs");
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

/** Flips one byte at `offset` of a stored blob. */
function corrupt(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

/** download(), downloadIterate() and save() all throw ChecksumMismatch; save leaves nothing in its directory. */
async function expectEveryPathRefuses(file: AwaitingFile): Promise<void> {
  expect(await failure(() => file.download())).toBeInstanceOf(ChecksumMismatch);
  expect(
    await failure(async () => {
      for await (const _ of file.downloadIterate()) void _;
    }),
  ).toBeInstanceOf(ChecksumMismatch);
  const dir = mkdtempSync(join(scratch, "save-"));
  expect(await failure(() => file.save({}, join(dir, "target.bin")))).toBeInstanceOf(ChecksumMismatch);
  expect(readdirSync(dir)).toEqual([]);
}

describe.each(flavors)("%s: downloads check the SHA-1", (flavor) => {
  it("a corrupted simple file: download(), downloadIterate() and save() throw ChecksumMismatch; save leaves no file", async () => {
    const b2 = client(flavor, server, { concurrency: 1 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("integrity") });
      const before = new Set(blobs());
      const [, file] = await bucket.upload({ fileName: "simple.bin" }, randomBytes(5000));
      const stored = blobs().filter((p) => !before.has(p));
      expect(stored).toHaveLength(1);
      corrupt(stored[0] as string, 2500);
      await expectEveryPathRefuses(file);
    } finally {
      await b2.close();
    }
  });

  it("a corrupted part of a large file, fetched as parallel ranges: every path throws ChecksumMismatch", async () => {
    const b2 = client(flavor, server, { concurrency: 4, chunkSize: 1000 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("integrity") });
      const data = randomBytes(20_000);
      const path = join(scratch, `large-${flavor}.bin`);
      writeFileSync(path, data);
      const before = new Set(blobs());
      const [, file] = await bucket.uploadFile({ fileName: "large.bin" }, path);
      const parts = blobs().filter((p) => !before.has(p));
      expect(parts.length).toBeGreaterThan(4);
      // A part near the end: its bytes arrive in a later range than the first.
      corrupt(parts.at(-1) as string, 10);
      const intact = Buffer.from(await file.download({ range: "bytes=0-999" }));
      expect(intact.equals(data.subarray(0, 1000))).toBe(true); // a range is not checked against the whole
      await expectEveryPathRefuses(file);
    } finally {
      await b2.close();
    }
  });

  it("a save big enough for the hash worker: intact, it is byte-exact; corrupted, ChecksumMismatch and no file", async () => {
    const b2 = client(flavor, server, { concurrency: 4, chunkSize: 5_000_000 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("integrity") });
      const data = randomBytes(40 << 20);
      const path = join(scratch, `big-${flavor}.bin`);
      writeFileSync(path, data);
      const before = new Set(blobs());
      const [, file] = await bucket.uploadFile({ fileName: "big.bin" }, path);
      const parts = blobs().filter((p) => !before.has(p));
      const dir = mkdtempSync(join(scratch, "save-"));
      await file.save({}, join(dir, "big.bin"));
      expect(readFileSync(join(dir, "big.bin")).equals(data)).toBe(true);
      corrupt(parts.at(-2) as string, 123);
      expect(await failure(() => file.save({}, join(dir, "again.bin")))).toBeInstanceOf(ChecksumMismatch);
      expect(readdirSync(dir)).toEqual(["big.bin"]);
    } finally {
      await b2.close();
    }
  });
});
