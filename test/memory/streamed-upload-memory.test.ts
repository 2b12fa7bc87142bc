/**
 * Peak memory of a streamed upload does not grow with the file: the same upload (part size 5 MB,
 * concurrency 4; or one request, allowParts false) of a 64 MiB and a 256 MiB file, each in a fresh child process, must peak within
 * 40 MiB of each other. An SDK that buffered whole files (or all parts) would grow by ~192 MiB.
 */
import { execFile } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting } from "../../src/index.js";
import { startServer, type LocalB2Server } from "../../src/server/index.js";

const MiB = 1 << 20;
const SMALL = 64 * MiB;
const LARGE = 256 * MiB;
const ALLOWED_GROWTH = 40 * MiB;
const bootstrap = fileURLToPath(new URL("./fixtures/bootstrap.mjs", import.meta.url));
const child = fileURLToPath(new URL("./fixtures/upload-child.ts", import.meta.url));

let server: LocalB2Server;
let work: string;
let bucketId: string;

async function writeRandom(path: string, size: number): Promise<void> {
  const block = Buffer.allocUnsafe(8 * MiB);
  const file = await open(path, "w");
  try {
    for (let done = 0; done < size; done += block.length)
      await file.write(randomFillSync(block), 0, Math.min(block.length, size - done));
  } finally {
    await file.close();
  }
}

async function peakOf(method: "uploadFile" | "uploadStream" | "uploadFileWhole", path: string, size: number): Promise<number> {
  const args = {
    url: server.url,
    keyId: server.keyId,
    key: server.key,
    bucketId,
    path,
    method,
    chunkSize: 5_000_000,
    concurrency: 4,
  };
  const { stdout } = await promisify(execFile)(process.execPath, [bootstrap, child, JSON.stringify(args)], {
    timeout: 40_000,
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { peakRss: number; size: number };
  expect(result.size).toBe(size); // the upload really happened, in full
  return result.peakRss;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "b2kit-memory-"));
  server = await startServer({});
  const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url });
  const [bucket] = await b2.createBucket({ bucketName: "memory-bucket" });
  bucketId = bucket.bucketId as string;
  await b2.close();
  await writeRandom(join(work, "small"), SMALL);
  await writeRandom(join(work, "large"), LARGE);
});

afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("streamed upload memory", () => {
  // uploadFileWhole: uploadFile with allowParts false, one b2_upload_file streamed from disk.
  for (const method of ["uploadFile", "uploadStream", "uploadFileWhole"] as const) {
    it(`${method}: peak RSS of 256 MiB is within 40 MiB of 64 MiB`, async () => {
      const small = await peakOf(method, join(work, "small"), SMALL);
      const large = await peakOf(method, join(work, "large"), LARGE);
      const growth = large - small;
      console.log(
        `${method}: peak RSS ${(small / MiB).toFixed(0)} MiB (64 MiB file), ${(large / MiB).toFixed(0)} MiB (256 MiB file)`,
      );
      expect(growth).toBeLessThan(ALLOWED_GROWTH);
    });
  }
});
