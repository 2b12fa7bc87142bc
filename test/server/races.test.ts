/**
 * Races between a request that waits (for an upload body, a copy, a download's reader) and another that changes what
 * it works on: a bucket deleted under an upload or copy, content deleted under a download or copy, a slow upload
 * overtaken by a fast one. The server runs in this process so that the tests can hold a request at a known point
 * (a gate on the blob store) instead of relying on timing.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline, Readable, Transform } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.js";
import { Blobs, type Segment } from "../../src/server/blobs.js";
import { ControlClient } from "../../src/server/control-client.js";
import { DEFAULT_LIMITS, mergeLimits } from "../../src/server/limits.js";
import { ServerState } from "../../src/server/state.js";
import { Session, sha1 } from "./support.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await sleep(2);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let dataDir: string;
let state: ServerState;
let server: http.Server;
let s: Session;
const blobs = (): string[] => readdirSync(join(dataDir, "blobs")).sort();
const originals = { read: Blobs.prototype.read, copy: Blobs.prototype.copy };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "b2kit-races-"));
  state = new ServerState({ dataDir, limits: mergeLimits(DEFAULT_LIMITS, { minPartSize: 100 }) });
  server = createApp(state);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s = new Session({ url: state.url, keyId: state.masterKeyId, key: state.masterKey, pid: process.pid, control: new ControlClient(state.url), close: async () => {} });
  await s.login();
});

afterEach(() => {
  // Undo the gates below (they are set on the instance).
  delete (state.blobs as Partial<Blobs>).read;
  delete (state.blobs as Partial<Blobs>).copy;
  expect(state.blobs.read).toBe(originals.read);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  state.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** b2_copy_file / b2_copy_part held before their content is copied until the gate opens; `reached` when there. */
function holdCopies(): { open: () => void; reached: Promise<void> } {
  const g = gate();
  const at = gate();
  state.blobs.copy = async function (...args: Parameters<Blobs["copy"]>) {
    at.open();
    await g.wait;
    return originals.copy.apply(this, args);
  };
  return { open: g.open, reached: at.wait };
}

/** Every read of content (downloads, copies) holds its first chunk until the gate opens; `reached` when one does. */
function holdReads(): { open: () => void; reached: Promise<void> } {
  const g = gate();
  const at = gate();
  state.blobs.read = function (...args: Parameters<Blobs["read"]>) {
    let first = true;
    const held = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (!first) return done(null, chunk);
        first = false;
        at.open();
        void g.wait.then(() => done(null, chunk));
      },
    });
    // pipeline, not pipe: a read error must reach the response (else the test would hang, not fail).
    return pipeline(originals.read.apply(this, args), held, () => {});
  };
  return { open: g.open, reached: at.wait };
}

/** An upload whose body is sent by hand: the first `head` bytes now, the rest when `finish` is called. */
async function startUpload(bucketId: string, fileName: string, data: Buffer, head: number) {
  const u = await s.uploadUrl(bucketId);
  const url = new URL(u.uploadUrl);
  const req = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: "POST",
    headers: { authorization: u.authorizationToken, "x-bz-file-name": fileName, "content-type": "text/plain", "x-bz-content-sha1": sha1(data), "content-length": data.length },
  });
  const reply = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on("response", (r) => {
      let text = "";
      r.on("data", (c: Buffer) => (text += c.toString()));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
  });
  req.write(data.subarray(0, head));
  // The handler has checked the bucket (synchronously, right after taking the token) and is waiting for the body.
  await until(() => state.uploadsInFlight.has(u.authorizationToken), "the upload to start");
  return { finish: () => (req.end(data.subarray(head)), reply) };
}

async function largeFile(bucketId: string, fileName: string, parts: Buffer[]): Promise<any> {
  const f = await s.ok("b2_start_large_file", { bucketId, fileName, contentType: "application/octet-stream" });
  for (const [i, part] of parts.entries()) {
    const u = await s.ok("b2_get_upload_part_url", { fileId: f.fileId });
    const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": String(i + 1), "x-bz-content-sha1": sha1(part) }, body: part });
    expect(r.status).toBe(200);
  }
  return s.ok("b2_finish_large_file", { fileId: f.fileId, partSha1Array: parts.map((p) => sha1(p)) });
}

describe("a bucket deleted while a file is being stored in it", () => {
  it.each([
    ["small (event loop)", 2000],
    ["large (body workers)", 3 << 20],
  ])("b2_upload_file, %s: the upload is refused with bad_bucket_id and nothing is kept", async (_label, size) => {
    const bucket = await s.bucket();
    const before = blobs();
    const data = randomBytes(size);
    const up = await startUpload(bucket.bucketId, "racer", data, 1000);
    expect((await s.call("b2_delete_bucket", { accountId: s.accountId, bucketId: bucket.bucketId })).status).toBe(200);
    const r = await up.finish();
    expect([r.status, r.body.code]).toEqual([400, "bad_bucket_id"]);
    expect(state.db.prepare("SELECT count(*) AS n FROM files WHERE bucketId = ?").get(bucket.bucketId)).toEqual({ n: 0 });
    expect(blobs()).toEqual(before);
    expect(readdirSync(join(dataDir, "tmp"))).toEqual([]);
  });

  it("b2_copy_file into a bucket deleted during the copy: bad_bucket_id, the copied content removed", async () => {
    const src = await s.bucket();
    const dst = await s.bucket();
    const file = await s.uploaded(src.bucketId, "source", randomBytes(5000));
    const before = blobs();
    const held = holdCopies();
    const copy = s.call("b2_copy_file", { sourceFileId: file.fileId, fileName: "copy", destinationBucketId: dst.bucketId });
    await held.reached;
    expect((await s.call("b2_delete_bucket", { accountId: s.accountId, bucketId: dst.bucketId })).status).toBe(200);
    held.open();
    const r = await copy;
    expect([r.status, r.body.code]).toEqual([400, "bad_bucket_id"]);
    expect(blobs()).toEqual(before);
  });

  it("b2_copy_part into a large file cancelled during the copy: refused, the copied content removed", async () => {
    const bucket = await s.bucket();
    const file = await s.uploaded(bucket.bucketId, "source", randomBytes(5000));
    const f = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big", contentType: "text/plain" });
    const before = blobs();
    const held = holdCopies();
    const copy = s.call("b2_copy_part", { sourceFileId: file.fileId, largeFileId: f.fileId, partNumber: 1 });
    await held.reached;
    await s.ok("b2_cancel_large_file", { fileId: f.fileId });
    held.open();
    expect((await copy).status).toBe(400);
    expect(blobs()).toEqual(before);
  });

  it("b2_delete_file_version of a version left in a deleted bucket: deleted with its content", async () => {
    const bucket = await s.bucket();
    const before = blobs();
    const file = await s.uploaded(bucket.bucketId, "orphan", "left behind");
    // As an older server left it: the bucket's row gone, its file's row and content still there.
    state.db.prepare("DELETE FROM buckets WHERE bucketId = ?").run(bucket.bucketId);
    const r = await s.call("b2_delete_file_version", { fileId: file.fileId, fileName: "orphan" });
    expect(r.status).toBe(200);
    expect(blobs()).toEqual(before);
  });
});

describe("content deleted while it is being read", () => {
  it("Blobs: a read started before a remove gets every byte; the content goes when the read ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "b2kit-races-blobs-"));
    try {
      const store = new Blobs(dir);
      const bodies = [randomBytes(3000), randomBytes(5000), randomBytes(7000)];
      const segs: Segment[] = [];
      for (const b of bodies) segs.push((await store.write(Readable.from([b]))).segment);
      const whole = Buffer.concat(bodies);
      const onDisk = (): boolean[] => segs.map((seg) => existsSync(join(dir, seg.path)));
      // Removed in the same tick as the read began, before it opened anything.
      const reading = store.read(segs, 100, whole.length - 1);
      await store.remove(segs);
      expect(onDisk()).toEqual([true, true, true]);
      expect((await collect(reading)).equals(whole.subarray(100))).toBe(true);
      expect(onDisk()).toEqual([false, false, false]);
      // A read abandoned half-way lets go too.
      const more: Segment[] = [];
      for (const b of bodies) more.push((await store.write(Readable.from([b]))).segment);
      const abandoned = store.read(more, 0, whole.length - 1);
      await store.remove(more);
      abandoned.destroy();
      await until(() => more.every((seg) => !existsSync(join(dir, seg.path))), "the abandoned read's content to go");
      // Content nobody reads goes at once.
      const idle = (await store.write(Readable.from([bodies[0]!]))).segment;
      await store.remove([idle]);
      expect(existsSync(join(dir, idle.path))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a large file's download that started completes when the file is deleted mid-stream; its content goes after", async () => {
    const bucket = await s.bucket();
    const before = blobs();
    // Parts much larger than what the server reads ahead while the first chunk is held.
    const parts = Array.from({ length: 6 }, () => randomBytes(2 << 20));
    const f = await largeFile(bucket.bucketId, "big", parts);
    const held = holdReads();
    const download = fetch(`${s.url}/file/${bucket.bucketName}/big`, { headers: { authorization: s.token } });
    await held.reached;
    await s.ok("b2_delete_file_version", { fileId: f.fileId, fileName: "big" });
    held.open();
    const r = await download;
    expect([r.status, r.headers.get("content-length")]).toEqual([200, String(12 << 20)]);
    const got = Buffer.from(await r.arrayBuffer());
    expect(got.length).toBe(12 << 20);
    expect(sha1(got)).toBe(sha1(Buffer.concat(parts)));
    await until(() => blobs().length === before.length, "the deleted file's content to go");
    expect(blobs()).toEqual(before);
  });

  it("b2_copy_file from a large file deleted during the copy copies all of it", async () => {
    const bucket = await s.bucket();
    const parts = Array.from({ length: 4 }, () => randomBytes(1 << 20));
    const f = await largeFile(bucket.bucketId, "big", parts);
    const held = holdReads();
    const copy = s.call("b2_copy_file", { sourceFileId: f.fileId, fileName: "copy" });
    await held.reached;
    await s.ok("b2_delete_file_version", { fileId: f.fileId, fileName: "big" });
    held.open();
    const r = await copy;
    expect(r.status).toBe(200);
    expect([r.body.contentLength, r.body.contentSha1]).toEqual([4 << 20, sha1(Buffer.concat(parts))]);
  });
});

describe("version order follows upload timestamps", () => {
  it("a slow upload started first and stored last is the newest version, with the newest timestamp", async () => {
    const bucket = await s.bucket();
    const slowData = Buffer.from("slow, started first");
    const slow = await startUpload(bucket.bucketId, "f", slowData, 5);
    state.clock.advance(1);
    const fast = await s.uploaded(bucket.bucketId, "f", "fast, started later, stored first");
    state.clock.advance(1);
    const slowReply = await slow.finish();
    expect(slowReply.status).toBe(200);
    expect(slowReply.body.uploadTimestamp).toBeGreaterThan(fast.uploadTimestamp);
    const v = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId });
    expect(v.files.map((x: any) => [x.fileId, x.uploadTimestamp])).toEqual([
      [slowReply.body.fileId, slowReply.body.uploadTimestamp],
      [fast.fileId, fast.uploadTimestamp],
    ]);
    const d = await s.download(`/file/${bucket.bucketName}/f`);
    expect([d.bytes.toString(), d.headers.get("x-bz-upload-timestamp")]).toEqual([slowData.toString(), String(slowReply.body.uploadTimestamp)]);
  });

  it("b2_copy_file is stamped when stored: a copy overtaken by an upload to its name is still the newest", async () => {
    const bucket = await s.bucket();
    const source = await s.uploaded(bucket.bucketId, "source", "copied");
    const held = holdCopies();
    const copy = s.call("b2_copy_file", { sourceFileId: source.fileId, fileName: "f" });
    await held.reached;
    state.clock.advance(1);
    const upload = await s.uploaded(bucket.bucketId, "f", "uploaded during the copy");
    state.clock.advance(1);
    held.open();
    const r = await copy;
    expect(r.status).toBe(200);
    expect(r.body.uploadTimestamp).toBeGreaterThan(upload.uploadTimestamp);
    const v = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId, prefix: "f" });
    expect(v.files.map((x: any) => x.fileId)).toEqual([r.body.fileId, upload.fileId]);
  });

  it("a large file keeps its start time, and its place among versions follows it", async () => {
    const bucket = await s.bucket();
    const f = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "f", contentType: "text/plain" });
    state.clock.advance(1);
    const simple = await s.uploaded(bucket.bucketId, "f", "stored while the large file was unfinished");
    const u = await s.ok("b2_get_upload_part_url", { fileId: f.fileId });
    const part = Buffer.from("the only part");
    await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": "1", "x-bz-content-sha1": sha1(part) }, body: part });
    state.clock.advance(1);
    const done = await s.ok("b2_finish_large_file", { fileId: f.fileId, partSha1Array: [sha1(part)] });
    expect(done.uploadTimestamp).toBe(f.uploadTimestamp);
    const v = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId });
    expect(v.files.map((x: any) => x.fileId)).toEqual([simple.fileId, f.fileId]);
    expect(v.files[0].uploadTimestamp).toBeGreaterThan(v.files[1].uploadTimestamp);
  });
});
