/** Connection timeouts (small values here): silent connections and stalled bodies are closed; slow transfers are not. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "b2kit-idle-"));
  s = await Session.start({ dataDir: dir, headersTimeoutMs: 500, idleTimeoutMs: 1000 });
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw connection to the server; `closed` resolves with what it received and how long it stayed open. */
function open(): { socket: Socket; received: () => string; closed: Promise<{ ms: number; received: string }> } {
  const url = new URL(s.url);
  const socket = connect(Number(url.port), url.hostname);
  const t0 = Date.now();
  let received = "";
  socket.on("data", (d: Buffer) => (received += d.toString()));
  socket.on("error", () => {});
  return { socket, received: () => received, closed: new Promise((resolve) => socket.on("close", () => resolve({ ms: Date.now() - t0, received }))) };
}

/** An upload request head (Content-Length `length`) for a fresh upload URL. */
async function uploadHead(name: string, length: number, sha = "do_not_verify"): Promise<string> {
  const bucketId = (await s.ok("b2_list_buckets", { accountId: s.accountId })).buckets[0].bucketId;
  const u = await s.uploadUrl(bucketId);
  const path = new URL(u.uploadUrl).pathname;
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${u.authorizationToken}\r\nX-Bz-File-Name: ${name}\r\nContent-Type: text/plain\r\nX-Bz-Content-Sha1: ${sha}\r\nContent-Length: ${length}\r\n\r\n`;
}

const stored = async (): Promise<string[]> => {
  const bucketId = (await s.ok("b2_list_buckets", { accountId: s.accountId })).buckets[0].bucketId;
  return (await s.ok("b2_list_file_versions", { bucketId })).files.map((f: { fileName: string }) => f.fileName);
};

describe("connection timeouts", () => {
  beforeAll(async () => {
    await s.bucket();
  });

  it("a connection that never sends a byte is closed (408) after the head timeout", async () => {
    const c = open();
    const { ms, received } = await c.closed;
    expect(ms).toBeLessThan(5000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("a stalled upload body is closed: its temp file removed, nothing stored", async () => {
    const blobsBefore = readdirSync(join(dir, "blobs")).length;
    const c = open();
    c.socket.write(await uploadHead("stalled.bin", 100_000));
    c.socket.write(Buffer.alloc(1000, 1));
    for (let i = 0; i < 40 && readdirSync(join(dir, "tmp")).length === 0; i++) await sleep(25);
    expect(readdirSync(join(dir, "tmp"))).toHaveLength(1);
    const { ms } = await c.closed;
    expect(ms).toBeLessThan(5000);
    for (let i = 0; i < 40 && readdirSync(join(dir, "tmp")).length > 0; i++) await sleep(25);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect(readdirSync(join(dir, "blobs"))).toHaveLength(blobsBefore);
    expect(await stored()).not.toContain("stalled.bin");
  });

  it("a slow upload that keeps moving (a chunk every 200 ms, for 3 idle timeouts) succeeds", async () => {
    const chunks = Array.from({ length: 15 }, (_, i) => Buffer.alloc(100, i));
    const data = Buffer.concat(chunks);
    const c = open();
    c.socket.write(await uploadHead("slow.bin", data.length, sha1(data)));
    for (const chunk of chunks) {
      await sleep(200);
      c.socket.write(chunk);
    }
    for (let i = 0; i < 200 && !c.received().trimEnd().endsWith("}"); i++) await sleep(25);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    c.socket.destroy();
    expect(await stored()).toContain("slow.bin");
  });

  it("stalls the server injects itself are not cut by the idle timeout", async () => {
    await s.server.control.addFault({ op: "b2_list_buckets", wire: "stall", stallMs: 2500 });
    const t0 = Date.now();
    const r = await s.call("b2_list_buckets", { accountId: s.accountId });
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2400);
    const bucketId = (await s.ok("b2_list_buckets", { accountId: s.accountId })).buckets[0].bucketId;
    const f = await s.uploaded(bucketId, "stall-body.bin", randomBytes(200_000));
    await s.server.control.addFault({ op: "b2_download_file_by_id", wire: "stall", stallAt: "body", stallMs: 2500 });
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
    expect(d.status).toBe(200);
    expect(sha1(d.bytes)).toBe(f.contentSha1);
  });
});

describe("connection timeouts with a shaped link", () => {
  it("paced transfers (1 MB/s, pauses longer than the idle timeout) are not cut", async () => {
    const shaped = await Session.start({ shape: { bytesPerSec: 1 << 20 }, idleTimeoutMs: 400 });
    try {
      const bucket = await shaped.bucket();
      const data = randomBytes(3 << 20);
      const f = await shaped.uploaded(bucket.bucketId, "paced.bin", data);
      const d = await shaped.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
      expect(d.bytes.equals(data)).toBe(true);
    } finally {
      await shaped.close();
    }
  });
});

describe("connection timeouts and slow readers", () => {
  it("a download read slowly but steadily (each 1 MiB write outlasts the idle timeout) is not cut; one not read at all is", async () => {
    const own = await Session.start({ idleTimeoutMs: 200 });
    try {
      const bucket = await own.bucket();
      const get = (fileId: string): Socket => {
        const url = new URL(own.url);
        const socket = connect(Number(url.port), url.hostname);
        socket.on("error", () => {});
        socket.write(`GET /b2api/v4/b2_download_file_by_id?fileId=${fileId} HTTP/1.1\r\nHost: x\r\nAuthorization: ${own.token}\r\n\r\n`);
        return socket;
      };
      // More than the kernel's socket buffers hold on loopback (a few MB), so the server has bytes waiting.
      const size = 12 << 20;
      const f = await own.uploaded(bucket.bucketId, "slow-reader.bin", randomBytes(size));
      // ~2 MB/s: each 1 MiB write of the server takes ~0.5 s, longer than the 0.2 s idle timeout
      // (the old rule cut here), well within 5 idle periods (room for timers running late under load).
      const slow = get(f.fileId);
      let got = 0;
      slow.on("data", (d: Buffer) => {
        got += d.length;
        slow.pause();
        setTimeout(() => slow.resume(), Math.ceil((d.length / 2_000_000) * 1000));
      });
      const deadline = Date.now() + 30_000;
      while (got < size && Date.now() < deadline && !slow.destroyed) await sleep(50);
      expect(slow.destroyed).toBe(false);
      expect(got).toBeGreaterThan(size);
      slow.destroy();
      // A client that reads nothing: closed after a few idle periods without a completed write.
      const stuck = get(f.fileId);
      let stuckGot = 0;
      stuck.on("data", (d: Buffer) => (stuckGot += d.length));
      stuck.pause();
      await sleep(3000);
      const closed = new Promise((resolve) => stuck.on("close", resolve));
      stuck.resume(); // a paused socket does not see its end: read what was left, then the close
      await closed;
      expect(stuckGot).toBeLessThan(size);
    } finally {
      await own.close();
    }
  });
});
