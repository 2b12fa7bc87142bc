import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
let bucket: any;
let file: any;
const data = Buffer.from("0123456789abcdefghij");
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket("download-bucket-1");
  file = await s.uploaded(bucket.bucketId, "d/file.txt", data, {
    "x-bz-info-b2-content-disposition": "attachment%3B%20filename%3D%22f.txt%22",
    "x-bz-info-b2-cache-control": "max-age=60",
    "x-bz-info-plain": "v",
  });
});
afterAll(() => s.close());

describe("downloads", () => {
  it("GET and HEAD by id and by name with x-bz headers and b2-* info as real headers", async () => {
    for (const path of [`/b2api/v4/b2_download_file_by_id?fileId=${file.fileId}`, `/file/${bucket.bucketName}/d/file.txt`]) {
      const get = await s.download(path);
      expect(get.status).toBe(200);
      expect(get.bytes.equals(data)).toBe(true);
      expect(get.headers.get("content-disposition")).toBe('attachment; filename="f.txt"');
      expect(get.headers.get("cache-control")).toBe("max-age=60");
      expect(get.headers.get("x-bz-info-plain")).toBe("v");
      expect(get.headers.get("x-bz-file-id")).toBe(file.fileId);
      expect(get.headers.get("x-bz-upload-timestamp")).toBe(String(file.uploadTimestamp));
      const head = await s.download(path, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.bytes.length).toBe(0);
      expect(head.headers.get("content-length")).toBe(String(data.length));
    }
  });

  it("ranges: 206 with Content-Range, suffix and open ranges, 416 beyond the end", async () => {
    const path = `/file/${bucket.bucketName}/d/file.txt`;
    const r = await s.download(path, { range: "bytes=2-5" });
    expect([r.status, r.bytes.toString(), r.headers.get("content-range")]).toEqual([206, "2345", "bytes 2-5/20"]);
    expect((await s.download(path, { range: "bytes=-3" })).bytes.toString()).toBe("hij");
    expect((await s.download(path, { range: "bytes=18-" })).bytes.toString()).toBe("ij");
    const bad = await s.download(path, { range: "bytes=50-60" });
    expect([bad.status, bad.json?.code]).toEqual([416, "range_not_satisfiable"]);
    // An empty file has no byte 0: every range is unsatisfiable; without one it is a 200.
    await s.uploaded(bucket.bucketId, "d/empty.txt", "");
    for (const range of ["bytes=0-0", "bytes=0-", "bytes=-5", "bytes=5-10"]) {
      const empty = await s.download(`/file/${bucket.bucketName}/d/empty.txt`, { range });
      expect([empty.status, empty.json?.code, empty.headers.get("content-range")], range).toEqual([416, "range_not_satisfiable", "bytes */0"]);
    }
    expect((await s.download(`/file/${bucket.bucketName}/d/empty.txt`)).status).toBe(200);
  });

  it("query overrides replace response headers", async () => {
    const r = await s.download(`/file/${bucket.bucketName}/d/file.txt?b2ContentType=application%2Fx-test&b2CacheControl=no-store`);
    expect(r.headers.get("content-type")).toBe("application/x-test");
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("private buckets need auth; public ones do not; unknown files and buckets are 404", async () => {
    const path = `/file/${bucket.bucketName}/d/file.txt`;
    const anon = await fetch(`${s.url}${path}`);
    expect(anon.status).toBe(401);
    const pub = await s.bucket(undefined, { bucketType: "allPublic" });
    await s.uploaded(pub.bucketId, "open.txt", "open");
    expect((await fetch(`${s.url}/file/${pub.bucketName}/open.txt`)).status).toBe(200);
    expect((await s.download(`/file/${bucket.bucketName}/nope.txt`)).status).toBe(404);
    expect((await s.download(`/file/no-such-bucket/x`)).status).toBe(404);
  });

  it("download authorization: prefix-scoped token in the query works until it expires", async () => {
    const auth = await s.ok("b2_get_download_authorization", { bucketId: bucket.bucketId, fileNamePrefix: "d/", validDurationInSeconds: 60 });
    expect(auth.fileNamePrefix).toBe("d/");
    const ok = await fetch(`${s.url}/file/${bucket.bucketName}/d/file.txt?Authorization=${encodeURIComponent(auth.authorizationToken)}`);
    expect(ok.status).toBe(200);
    const other = await s.uploaded(bucket.bucketId, "e/other.txt", "o");
    const outside = await fetch(`${s.url}/file/${bucket.bucketName}/${other.fileName}?Authorization=${encodeURIComponent(auth.authorizationToken)}`);
    expect(outside.status).toBe(401);
    const byId = await fetch(`${s.url}/b2api/v4/b2_download_file_by_id?fileId=${file.fileId}`, { headers: { authorization: auth.authorizationToken } });
    expect(byId.status).toBe(401);
    await s.server.control.advanceClock(61);
    const expired = await fetch(`${s.url}/file/${bucket.bucketName}/d/file.txt?Authorization=${encodeURIComponent(auth.authorizationToken)}`);
    expect(expired.status).toBe(401);
    await s.login();
    expect((await s.call("b2_get_download_authorization", { bucketId: bucket.bucketId, fileNamePrefix: "", validDurationInSeconds: 604_801 })).status).toBe(400);
  });
});

describe("server-side encryption", () => {
  const key = randomBytes(32);
  const sseC = {
    "x-bz-server-side-encryption-customer-algorithm": "AES256",
    "x-bz-server-side-encryption-customer-key": key.toString("base64"),
    "x-bz-server-side-encryption-customer-key-md5": createHash("md5").update(key).digest("base64"),
  };

  it("SSE-B2 upload reports SSE-B2; a bucket default of SSE-B2 is inherited", async () => {
    const f = await s.uploaded(bucket.bucketId, "sse-b2.txt", "x", { "x-bz-server-side-encryption": "AES256" });
    expect(f.serverSideEncryption).toEqual({ mode: "SSE-B2", algorithm: "AES256" });
    const b = await s.bucket(undefined, { defaultServerSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    expect(b.defaultServerSideEncryption.value).toEqual({ mode: "SSE-B2", algorithm: "AES256" });
    const inherited = await s.uploaded(b.bucketId, "inherit.txt", "x");
    expect(inherited.serverSideEncryption.mode).toBe("SSE-B2");
  });

  it("SSE-C: encrypted at rest, readable only with the right key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "b2kit-ssec-"));
    const t = await Session.start({ dataDir: dir });
    try {
      const b = await t.bucket();
      const secret = Buffer.from("the plaintext that must not be on disk ".repeat(4));
      const f = await t.uploaded(b.bucketId, "c.txt", secret, sseC);
      expect(f.serverSideEncryption).toMatchObject({ mode: "SSE-C", algorithm: "AES256", customerKeyMd5: sseC["x-bz-server-side-encryption-customer-key-md5"] });
      const blobs = readdirSync(join(dir, "blobs")).map((n) => readFileSync(join(dir, "blobs", n)));
      expect(blobs.some((bytes) => bytes.length === secret.length)).toBe(true);
      expect(blobs.some((bytes) => bytes.includes(Buffer.from("plaintext")))).toBe(false);
      const path = `/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`;
      const withKey = await t.download(path, sseC);
      expect(withKey.bytes.equals(secret)).toBe(true);
      expect((await t.download(path, { range: "bytes=5-20" }, "GET")).status).toBe(400);
      expect((await t.download(path, { ...sseC, range: "bytes=5-20" })).bytes.equals(secret.subarray(5, 21))).toBe(true);
      const other = randomBytes(32);
      const wrong = await t.download(path, {
        ...sseC,
        "x-bz-server-side-encryption-customer-key": other.toString("base64"),
        "x-bz-server-side-encryption-customer-key-md5": createHash("md5").update(other).digest("base64"),
      });
      expect(wrong.status).toBe(403);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SSE-C copies", () => {
  it("copy_file and copy_part need the source key; the destination can use another encryption", async () => {
    const key = randomBytes(32);
    const sse = { mode: "SSE-C", algorithm: "AES256", customerKey: key.toString("base64"), customerKeyMd5: createHash("md5").update(key).digest("base64") };
    const headers = {
      "x-bz-server-side-encryption-customer-algorithm": "AES256",
      "x-bz-server-side-encryption-customer-key": sse.customerKey,
      "x-bz-server-side-encryption-customer-key-md5": sse.customerKeyMd5,
    };
    const src = await s.uploaded(bucket.bucketId, "ssec-src.txt", "secret bytes", headers);
    const noKey = await s.call("b2_copy_file", { sourceFileId: src.fileId, fileName: "ssec-copy.txt" });
    expect(noKey.status).toBe(400);
    const plain = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "ssec-copy.txt", sourceServerSideEncryption: sse, destinationServerSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    expect(plain.serverSideEncryption).toEqual({ mode: "SSE-B2", algorithm: "AES256" });
    expect((await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${plain.fileId}`)).bytes.toString()).toBe("secret bytes");
  });
});

describe("object lock", () => {
  it("default retention applies to uploads; governance blocks delete unless bypassed; legal hold blocks delete", async () => {
    const b = await s.bucket(undefined, { fileLockEnabled: true });
    const u = await s.ok("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, defaultRetention: { mode: "governance", period: { duration: 1, unit: "days" } } });
    expect(u.fileLockConfiguration.value).toEqual({ isFileLockEnabled: true, defaultRetention: { mode: "governance", period: { duration: 1, unit: "days" } } });
    const f = await s.uploaded(b.bucketId, "locked.txt", "l");
    expect(f.fileRetention.value.mode).toBe("governance");
    const refused = await s.call("b2_delete_file_version", { fileName: f.fileName, fileId: f.fileId });
    expect(refused.status).toBe(403);
    const held = await s.uploaded(b.bucketId, "held.txt", "h");
    await s.ok("b2_delete_file_version", { fileName: held.fileName, fileId: held.fileId, bypassGovernance: true });
    await s.ok("b2_delete_file_version", { fileName: f.fileName, fileId: f.fileId, bypassGovernance: true });
    const h = await s.uploaded(b.bucketId, "hold.txt", "h");
    const lh = await s.ok("b2_update_file_legal_hold", { fileName: h.fileName, fileId: h.fileId, legalHold: "on" });
    expect(lh.legalHold).toBe("on");
    expect((await s.call("b2_delete_file_version", { fileName: h.fileName, fileId: h.fileId, bypassGovernance: true })).status).toBe(403);
    await s.ok("b2_update_file_legal_hold", { fileName: h.fileName, fileId: h.fileId, legalHold: "off" });
    await s.ok("b2_delete_file_version", { fileName: h.fileName, fileId: h.fileId, bypassGovernance: true });
  });

  it("bypassGovernance needs the bypassGovernance capability", async () => {
    const b = await s.bucket(undefined, { fileLockEnabled: true });
    const f = await s.uploaded(b.bucketId, "gov.txt", "g", { "x-bz-file-retention-mode": "governance", "x-bz-file-retention-retain-until-timestamp": String(Date.now() + 86_400_000) });
    expect(f.fileRetention.value.mode).toBe("governance");
    const k = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "no-bypass", capabilities: ["deleteFiles", "readFiles"] });
    const token = (await s.authorize(k.applicationKeyId, k.applicationKey)).body.authorizationToken;
    const r = await s.call("b2_delete_file_version", { fileName: f.fileName, fileId: f.fileId, bypassGovernance: true }, { token });
    expect([r.status, r.body.code]).toEqual([403, "access_denied"]);
    await s.ok("b2_delete_file_version", { fileName: f.fileName, fileId: f.fileId, bypassGovernance: true });
  });

  it("compliance cannot be shortened; buckets without lock refuse retention", async () => {
    const b = await s.bucket(undefined, { fileLockEnabled: true });
    const f = await s.uploaded(b.bucketId, "c.txt", "c");
    const until = Date.now() + 86_400_000;
    const r = await s.ok("b2_update_file_retention", { fileName: f.fileName, fileId: f.fileId, fileRetention: { mode: "compliance", retainUntilTimestamp: until } });
    expect(r.fileRetention).toEqual({ mode: "compliance", retainUntilTimestamp: until });
    const shorter = await s.call("b2_update_file_retention", { fileName: f.fileName, fileId: f.fileId, fileRetention: { mode: "compliance", retainUntilTimestamp: until - 1000 }, bypassGovernance: true });
    expect(shorter.status).toBe(403);
    const plain = await s.uploaded(bucket.bucketId, "nolock.txt", "n");
    const noLock = await s.call("b2_update_file_legal_hold", { fileName: plain.fileName, fileId: plain.fileId, legalHold: "on" });
    expect([noLock.status, noLock.body.code]).toEqual([400, "bucket_missing_file_lock"]);
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
    expect(d.headers.get("x-bz-file-retention-mode")).toBe("compliance");
    expect(sha1(d.bytes)).toBe(f.contentSha1);
  });
});

describe("CORS", () => {
  it("bucket rules answer preflights and add Access-Control headers for allowed origins only", async () => {
    const b = await s.bucket(undefined, {
      corsRules: [
        { corsRuleName: "downloads", allowedOrigins: ["https://*.example.com"], allowedOperations: ["b2_download_file_by_name", "b2_download_file_by_id"], allowedHeaders: ["range", "authorization"], exposeHeaders: ["x-bz-content-sha1"], maxAgeSeconds: 600 },
        { corsRuleName: "uploads", allowedOrigins: ["https"], allowedOperations: ["b2_upload_file"], allowedHeaders: ["*"], maxAgeSeconds: 60 },
      ],
    });
    const f = await s.uploaded(b.bucketId, "c.txt", "cors");
    const pre = await fetch(`${s.url}/file/${b.bucketName}/c.txt`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "GET", "access-control-request-headers": "range" },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(pre.headers.get("access-control-max-age")).toBe("600");
    const denied = await fetch(`${s.url}/file/${b.bucketName}/c.txt`, { method: "OPTIONS", headers: { origin: "https://evil.test", "access-control-request-method": "GET" } });
    expect(denied.status).toBe(403);
    const badHeader = await fetch(`${s.url}/file/${b.bucketName}/c.txt`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "GET", "access-control-request-headers": "x-custom" },
    });
    expect(badHeader.status).toBe(403);
    const get = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`, { origin: "https://app.example.com" });
    expect(get.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(get.headers.get("access-control-expose-headers")).toBe("x-bz-content-sha1");
    const other = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`, { origin: "https://evil.test" });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const u = await s.uploadUrl(b.bucketId);
    const upPre = await fetch(u.uploadUrl, { method: "OPTIONS", headers: { origin: "https://anything.test", "access-control-request-method": "POST", "access-control-request-headers": "x-bz-file-name" } });
    expect(upPre.status).toBe(200);
    const up = await s.uploadTo(u, "from-browser.txt", "x", { origin: "https://anything.test" });
    expect(up.headers.get("access-control-allow-origin")).toBe("https://anything.test");
  });
});
