import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { Blobs } from "../../src/server/blobs.js";

const dir = mkdtempSync(join(tmpdir(), "b2kit-blobs-"));
const blobs = new Blobs(dir);
afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha1 = (b: Buffer): string => createHash("sha1").update(b).digest("hex");
const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");

/** `body` cut into chunks of the given sizes (cycled). */
function chunked(body: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = sizes[i % sizes.length] as number;
    chunks.push(body.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}

describe("hex_digits_at_end hold-back (Blobs.write trailerBytes)", () => {
  const content = randomBytes(300_000);
  const trailer = sha1(content);
  const body = Buffer.concat([content, Buffer.from(trailer)]);

  it.each([
    ["one chunk", [body.length]],
    ["64 KiB chunks", [65_536]],
    ["chunks shorter than the trailer", [1, 7, 39, 40, 41, 3]],
    ["a last chunk inside the trailer", [body.length - 10, 10]],
    ["mixed", [100_000, 13, 40, 99_999, 1]],
  ])("%s: content, hashes and trailer are exact", async (_label, sizes) => {
    const w = await blobs.write(chunked(body, sizes), { trailerBytes: 40 });
    expect(w.trailer).toBe(trailer);
    expect([w.segment.length, w.sha1, w.md5]).toEqual([content.length, sha1(content), md5(content)]);
    expect(readFileSync(join(dir, w.segment.path)).equals(content)).toBe(true);
  });

  it("encrypted (SSE-C key): reads back as the content", async () => {
    const key = randomBytes(32);
    const w = await blobs.write(chunked(body, [65_536, 5, 40]), { trailerBytes: 40, atRest: key });
    expect(w.trailer).toBe(trailer);
    const back: Buffer[] = [];
    for await (const chunk of blobs.read([w.segment], 0, content.length - 1, key)) back.push(chunk as Buffer);
    expect(Buffer.concat(back).equals(content)).toBe(true);
  });

  it("copies only the held tail, never a whole chunk", async () => {
    const concat = vi.spyOn(Buffer, "concat");
    const w = await blobs.write(chunked(body, [65_536]), { trailerBytes: 40 });
    expect(w.trailer).toBe(trailer);
    const copied = concat.mock.calls.map(([list]) => (list as Buffer[]).reduce((n, b) => n + b.length, 0));
    expect(Math.max(0, ...copied)).toBeLessThanOrEqual(80);
  });
});
