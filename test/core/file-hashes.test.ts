/** The pre-hash pass: the whole-file SHA-1, read ahead in 4 MiB pieces. */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha1OfFile } from "../../src/core/file-hashes.js";
import { scratchDir } from "../support/scratch.js";

const sha1 = (b: Uint8Array): string => createHash("sha1").update(b).digest("hex");
const dir = scratchDir("b2kit-hashes-");

async function withFile<T>(data: Uint8Array, fn: (handle: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const path = join(dir, `f-${data.length}-${Math.random()}`);
  writeFileSync(path, data);
  const handle = await open(path, "r");
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

describe("sha1OfFile", () => {
  it.each([0, 1, 4 << 20, (4 << 20) + 1, 3 * (4 << 20) + 12_345])("hashes %i bytes exactly", async (size) => {
    const data = randomBytes(size);
    await withFile(data, async (handle) => expect(await sha1OfFile(handle, size)).toBe(sha1(data)));
  });

  it("hashes only the first `size` bytes of a longer file", async () => {
    const data = randomBytes(5 << 20);
    await withFile(data, async (handle) => expect(await sha1OfFile(handle, 4_000_000)).toBe(sha1(data.subarray(0, 4_000_000))));
  });

  it("a file shorter than announced fails with a ValidationError", async () => {
    await withFile(randomBytes(1000), async (handle) => {
      await expect(sha1OfFile(handle, 9 << 20)).rejects.toThrow(/shrank/);
    });
  });
});
