/** The pre-hash pass: whole-file and per-part SHA-1s from one read, on this thread or with a worker. */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashFile } from "../../src/core/file-hashes.js";

const sha1 = (b: Uint8Array): string => createHash("sha1").update(b).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "b2kit-hashes-"));

async function check(size: number, partSize: number): Promise<void> {
  const data = randomBytes(size);
  const path = join(dir, `f-${size}-${partSize}`);
  writeFileSync(path, data);
  const handle = await open(path, "r");
  try {
    const got = await hashFile(handle, size, partSize);
    const want: string[] = [];
    for (let at = 0; at < size; at += partSize) want.push(sha1(data.subarray(at, at + partSize)));
    expect(got.whole).toBe(sha1(data));
    expect(got.parts).toEqual(want);
  } finally {
    await handle.close();
  }
}

describe("hashFile", () => {
  it("small files, on this thread: parts cut at the boundaries, a short last part", async () => {
    await check(4500, 1000);
    await check(1000, 1000);
    await check(3 * (1 << 20) + 7, 1 << 20);
  });

  it("big files, with the worker: part size not a multiple of the read size, and a multiple", async () => {
    await check(40 * (1 << 20) + 12_345, 3_333_333);
    await check(36 * (1 << 20), 4 * (1 << 20));
  });

  it("a file shorter than announced fails with a ValidationError", async () => {
    const path = join(dir, "short");
    writeFileSync(path, randomBytes(1000));
    const handle = await open(path, "r");
    try {
      await expect(hashFile(handle, 40 * (1 << 20), 5_000_000)).rejects.toThrow(/shrank/);
      await expect(hashFile(handle, 2000, 1000)).rejects.toThrow(/shrank/);
    } finally {
      await handle.close();
    }
  });
});
