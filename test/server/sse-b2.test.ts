import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

const LIMITS = { minPartSize: 100, recommendedPartSize: 100 };
let dir: string;
let s: Session;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "b2kit-sseb2-"));
  s = await Session.start({ dataDir: dir, limits: LIMITS });
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Distinct, recognisable plaintext per test. */
const plain = (tag: string, n = 8): Buffer => Buffer.from(`<${tag}: the plaintext that must not be on disk>`.repeat(n));
const onDisk = (): Buffer[] => readdirSync(join(dir, "blobs")).map((n) => readFileSync(join(dir, "blobs", n)));
const anyBlobHas = (needle: string): boolean => onDisk().some((bytes) => bytes.includes(Buffer.from(needle)));
const SSE_B2 = { "x-bz-server-side-encryption": "AES256" };

async function download(fileId: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; sse: string | null }> {
  const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${fileId}`, headers);
  return { status: d.status, bytes: d.bytes, sse: d.headers.get("x-bz-server-side-encryption") };
}

describe("SSE-B2: content encrypted at rest with the server's keys", () => {
  it("uploads with X-Bz-Server-Side-Encryption: the blob holds no plaintext; whole and ranged downloads do", async () => {
    const b = await s.bucket();
    const data = plain("upload");
    const f = await s.uploaded(b.bucketId, "secret.txt", data, SSE_B2);
    expect(f.serverSideEncryption).toEqual({ mode: "SSE-B2", algorithm: "AES256" });
    expect(f.contentSha1).toBe(sha1(data));
    expect(onDisk().some((bytes) => bytes.length === data.length)).toBe(true);
    expect(anyBlobHas("<upload:")).toBe(false);
    const whole = await download(f.fileId);
    expect([whole.status, whole.sse]).toEqual([200, "AES256"]);
    expect(whole.bytes.equals(data)).toBe(true);
    const ranged = await download(f.fileId, { range: "bytes=21-150" });
    expect(ranged.status).toBe(206);
    expect(ranged.bytes.equals(data.subarray(21, 151))).toBe(true);
    const byName = await s.download(`/file/${b.bucketName}/secret.txt`, { range: "bytes=3-3" });
    expect(byName.bytes.equals(data.subarray(3, 4))).toBe(true);
  });

  it("the bucket default SSE-B2 encrypts uploads that name no encryption", async () => {
    const b = await s.bucket(undefined, { defaultServerSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    const data = plain("default");
    const f = await s.uploaded(b.bucketId, "d.txt", data);
    expect(f.serverSideEncryption.mode).toBe("SSE-B2");
    expect(anyBlobHas("<default:")).toBe(false);
    expect((await download(f.fileId)).bytes.equals(data)).toBe(true);
  });

  it("large files: parts (uploaded and copied) are encrypted; downloads across parts are plaintext", async () => {
    const b = await s.bucket();
    const part1 = plain("part-one", 4);
    const part2 = plain("part-two", 4);
    const source = await s.uploaded(b.bucketId, "src.txt", plain("copy-src", 4), SSE_B2);
    const start = await s.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: "big.bin", contentType: "b2/x-auto", serverSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    for (const [n, data] of [[1, part1], [2, part2]] as const) {
      const u = await s.ok("b2_get_upload_part_url", { fileId: start.fileId });
      const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": String(n), "x-bz-content-sha1": sha1(data) }, body: data });
      expect(r.status).toBe(200);
    }
    const copied = await s.ok("b2_copy_part", { sourceFileId: source.fileId, largeFileId: start.fileId, partNumber: 3, range: "bytes=0-99" });
    const sourceBytes = plain("copy-src", 4);
    await s.ok("b2_finish_large_file", { fileId: start.fileId, partSha1Array: [sha1(part1), sha1(part2), copied.contentSha1] });
    expect(anyBlobHas("<part-")).toBe(false);
    expect(anyBlobHas("<copy-src")).toBe(false);
    const all = Buffer.concat([part1, part2, sourceBytes.subarray(0, 100)]);
    expect((await download(start.fileId)).bytes.equals(all)).toBe(true);
    const across = await download(start.fileId, { range: `bytes=${part1.length - 10}-${part1.length + part2.length + 20}` });
    expect(across.bytes.equals(all.subarray(part1.length - 10, part1.length + part2.length + 21))).toBe(true);
  });

  it("copy_file decrypts the source and re-encrypts for the destination (SSE-B2 or none)", async () => {
    const b = await s.bucket();
    const data = plain("copy-file");
    const src = await s.uploaded(b.bucketId, "cf.txt", data, SSE_B2);
    const encrypted = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "cf-enc.txt", destinationServerSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    expect(anyBlobHas("<copy-file:")).toBe(false);
    expect((await download(encrypted.fileId)).bytes.equals(data)).toBe(true);
    const ranged = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "cf-part.txt", range: "bytes=10-59", destinationServerSideEncryption: { mode: "SSE-B2" } });
    expect((await download(ranged.fileId)).bytes.equals(data.subarray(10, 60))).toBe(true);
    const clear = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "cf-plain.txt" });
    expect(clear.serverSideEncryption.mode).toBeNull();
    expect((await download(clear.fileId)).bytes.equals(data)).toBe(true);
    // The unencrypted copy is plaintext on disk, as an unencrypted file is.
    expect(anyBlobHas("<copy-file:")).toBe(true);
  });

  it("the master key is an owner-only file in the data directory, and content survives a restart", async () => {
    const keyFile = readdirSync(dir).find((n) => n.endsWith(".key"));
    expect(keyFile).toBeDefined();
    const stat = statSync(join(dir, keyFile as string));
    expect(stat.size).toBe(32);
    expect(stat.mode & 0o077).toBe(0);
    const key = readFileSync(join(dir, keyFile as string));
    const b = await s.bucket();
    const data = plain("restart");
    const f = await s.uploaded(b.bucketId, "r.txt", data, SSE_B2);
    await s.close();
    s = await Session.start({ dataDir: dir, limits: LIMITS });
    expect(readFileSync(join(dir, keyFile as string)).equals(key)).toBe(true);
    expect(anyBlobHas("<restart:")).toBe(false);
    expect((await download(f.fileId)).bytes.equals(data)).toBe(true);
    expect((await download(f.fileId, { range: "bytes=100-199" })).bytes.equals(data.subarray(100, 200))).toBe(true);
  });
});
