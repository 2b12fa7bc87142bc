import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
let bucket: any;
beforeAll(async () => {
  s = await Session.start({ limits: { minPartSize: 100, recommendedPartSize: 100 } });
  bucket = await s.bucket();
});
afterAll(() => s.close());

async function part(fileId: string, n: number, data: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const u = await s.ok("b2_get_upload_part_url", { fileId });
  expect(u.uploadUrl).toContain(`/b2_upload_part/${fileId}/`);
  const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": String(n), "x-bz-content-sha1": sha1(data), ...headers }, body: data });
  return { status: r.status, body: await r.json() };
}

const start = (fileName: string, extra: Record<string, unknown> = {}): Promise<any> =>
  s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName, contentType: "application/octet-stream", ...extra });

describe("large files", () => {
  it("start, parts, list parts, finish; bytes and large_file_sha1 round-trip", async () => {
    const data = randomBytes(250);
    const started = await start("big.bin", { fileInfo: { large_file_sha1: sha1(data) } });
    expect(started).toMatchObject({ action: "start", contentLength: 0, contentSha1: "none" });
    const pieces = [data.subarray(0, 100), data.subarray(100, 200), data.subarray(200)];
    for (const [i, p] of pieces.entries()) expect((await part(started.fileId, i + 1, p)).body).toMatchObject({ partNumber: i + 1, contentLength: p.length });
    const parts = await s.ok("b2_list_parts", { fileId: started.fileId, maxPartCount: 2 });
    expect(parts.parts.map((p: any) => p.partNumber)).toEqual([1, 2]);
    expect(parts.nextPartNumber).toBe(3);
    const unfinished = await s.ok("b2_list_unfinished_large_files", { bucketId: bucket.bucketId });
    expect(unfinished.files.map((f: any) => f.fileId)).toContain(started.fileId);
    const done = await s.ok("b2_finish_large_file", { fileId: started.fileId, partSha1Array: pieces.map((p) => sha1(p)) });
    expect(done).toMatchObject({ action: "upload", contentLength: 250, contentSha1: "none", fileInfo: { large_file_sha1: sha1(data) } });
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${started.fileId}`);
    expect(d.bytes.equals(data)).toBe(true);
    const ranged = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${started.fileId}`, { range: "bytes=90-210" });
    expect(ranged.bytes.equals(data.subarray(90, 211))).toBe(true);
    const again = await s.call("b2_finish_large_file", { fileId: started.fileId, partSha1Array: pieces.map((p) => sha1(p)) });
    expect(again.status).toBe(400);
  });

  it("finish checks missing parts, the SHA-1 array and minimum part size", async () => {
    const f = await start("checks.bin");
    const a = randomBytes(100);
    const b = randomBytes(50);
    const c = randomBytes(10);
    await part(f.fileId, 1, a);
    await part(f.fileId, 3, c);
    const missing = await s.call("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(a), sha1(b), sha1(c)] });
    expect([missing.status, missing.body.code]).toEqual([400, "missing_part"]);
    await part(f.fileId, 2, b);
    const mismatch = await s.call("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(a), sha1(a), sha1(c)] });
    expect([mismatch.status, mismatch.body.code]).toEqual([400, "part_sha1_mismatch"]);
    const small = await s.call("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(a), sha1(b), sha1(c)] });
    expect(small.status).toBe(400);
    expect(small.body.message).toMatch(/minimum part size/);
  });

  it("refuses part numbers outside 1..10000 and re-upload replaces a part", async () => {
    const f = await start("numbers.bin");
    expect((await part(f.fileId, 0, randomBytes(10))).status).toBe(400);
    expect((await part(f.fileId, 10_001, randomBytes(10))).status).toBe(400);
    await part(f.fileId, 1, Buffer.from("first"));
    await part(f.fileId, 1, Buffer.from("second!"));
    const parts = await s.ok("b2_list_parts", { fileId: f.fileId });
    expect(parts.parts).toHaveLength(1);
    expect(parts.parts[0].contentSha1).toBe(sha1("second!"));
  });

  it("copy part: a file made of one uploaded part and one copied range", async () => {
    const src = await s.uploaded(bucket.bucketId, "copy-src.txt", "x".repeat(80) + "0123456789");
    const f = await start("assembled.bin");
    const first = randomBytes(100);
    await part(f.fileId, 1, first);
    const copied = await s.ok("b2_copy_part", { sourceFileId: src.fileId, largeFileId: f.fileId, partNumber: 2, range: "bytes=80-89" });
    expect(copied).toMatchObject({ partNumber: 2, contentLength: 10, contentSha1: sha1("0123456789") });
    await s.ok("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(first), sha1("0123456789")] });
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
    expect(d.bytes.equals(Buffer.concat([first, Buffer.from("0123456789")]))).toBe(true);
  });

  it("cancel removes the unfinished file and its parts", async () => {
    const f = await start("cancel.bin");
    await part(f.fileId, 1, randomBytes(100));
    const c = await s.ok("b2_cancel_large_file", { fileId: f.fileId });
    expect(c).toEqual({ accountId: s.accountId, bucketId: bucket.bucketId, fileId: f.fileId, fileName: "cancel.bin" });
    const list = await s.ok("b2_list_unfinished_large_files", { bucketId: bucket.bucketId, namePrefix: "cancel" });
    expect(list.files).toEqual([]);
    expect((await s.call("b2_cancel_large_file", { fileId: f.fileId })).status).toBe(400);
    expect((await s.call("b2_cancel_large_file", { fileId: "bad-id" })).status).toBe(400);
  });

  it("caps unfinished listing at 100 and pages with startFileId", async () => {
    const b = await s.bucket();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: `u${i}`, contentType: "text/plain" })).fileId);
    const first = await s.ok("b2_list_unfinished_large_files", { bucketId: b.bucketId, maxFileCount: 2 });
    expect(first.files.map((f: any) => f.fileId)).toEqual(ids.slice(0, 2));
    const second = await s.ok("b2_list_unfinished_large_files", { bucketId: b.bucketId, startFileId: first.nextFileId });
    expect(second.files.map((f: any) => f.fileId)).toEqual(ids.slice(2));
    expect((await s.call("b2_list_unfinished_large_files", { bucketId: b.bucketId, maxFileCount: 101 })).status).toBe(400);
  });

  it("SSE-C large file: parts encrypted with the customer key, ranges across parts decrypt exactly", async () => {
    const key = randomBytes(32);
    const md5 = createHash("md5").update(key).digest("base64");
    const headers = {
      "x-bz-server-side-encryption-customer-algorithm": "AES256",
      "x-bz-server-side-encryption-customer-key": key.toString("base64"),
      "x-bz-server-side-encryption-customer-key-md5": md5,
    };
    const f = await start("secret-large.bin", { serverSideEncryption: { mode: "SSE-C", algorithm: "AES256", customerKey: key.toString("base64"), customerKeyMd5: md5 } });
    expect(f.serverSideEncryption).toMatchObject({ mode: "SSE-C", customerKeyMd5: md5 });
    const a = randomBytes(137);
    const b = randomBytes(61);
    expect((await part(f.fileId, 1, a)).status).toBe(400);
    expect((await part(f.fileId, 1, a, headers)).status).toBe(200);
    expect((await part(f.fileId, 2, b, headers)).status).toBe(200);
    await s.ok("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(a), sha1(b)] });
    const whole = Buffer.concat([a, b]);
    const path = `/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`;
    expect((await s.download(path, headers)).bytes.equals(whole)).toBe(true);
    for (const [from, to] of [[0, 0], [15, 17], [130, 150], [136, 137], [100, 197]] as const)
      expect((await s.download(path, { ...headers, range: `bytes=${from}-${to}` })).bytes.equals(whole.subarray(from, to + 1))).toBe(true);
    expect((await s.download(path)).status).toBe(400);
  });
});
