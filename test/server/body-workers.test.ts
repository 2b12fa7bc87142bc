/**
 * Upload bodies hashed, encrypted and written on worker threads (src/server/body-workers.ts): digests exact when several bodies interleave,
 * in either layout, with the hex_digits_at_end hold-back and encryption; a worker failure fails the upload with a
 * 500 and leaves nothing behind. The HTTP tests run the server in this process, so its workers are the ones imported.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Blobs } from "../../src/server/blobs.js";
import { ControlClient } from "../../src/server/control-client.js";
import { BodyWorkerFailed, BodyWorkers, bodyWorkers } from "../../src/server/body-workers.js";
import { runServer, type Running } from "../../src/server/run.js";
import { Session, sha1 } from "./support.js";

const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `body` in chunks of `size`, with a pause every few chunks so that concurrent bodies interleave. */
function trickle(body: Buffer, size: number): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0, i = 0; at < body.length; at += size, i++) {
        if (i % 7 === 0) await sleep(1);
        yield body.subarray(at, at + size);
      }
    })(),
  );
}

describe.each(["md5-worker", "two-workers", "one-worker"] as const)("Blobs.write on the body workers (%s)", (layout) => {
  const threads = layout === "two-workers" ? 2 : 1;
  const dir = mkdtempSync(join(tmpdir(), "b2kit-hash-"));
  const pool = new BodyWorkers(layout);
  const blobs = new Blobs(dir, { bodyWorkers: pool, offThreadFrom: 0 });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("several interleaved bodies: SHA-1, MD5, trailer and stored bytes exact; all of it went through the workers", async () => {
    const before = { ...pool.stats };
    // Sizes around the 1 MiB slot (less, exactly, more, several), chunk sizes odd so slots fill mid-chunk.
    const cases = [
      { content: randomBytes(300_000), chunk: 65_536 },
      { content: randomBytes(1 << 20), chunk: 100_003 },
      { content: randomBytes((1 << 20) + 1), chunk: 7_777, trailer: true },
      { content: randomBytes(9_500_000), chunk: 262_144, key: randomBytes(32) },
      { content: randomBytes(6_000_000), chunk: 65_536, trailer: true, key: "sse-b2" as const },
      { content: Buffer.alloc(0), chunk: 1 },
    ];
    const results = await Promise.all(
      cases.map(async (c) => {
        const body = c.trailer ? Buffer.concat([c.content, Buffer.from(sha1(c.content))]) : c.content;
        return blobs.write(trickle(body, c.chunk), { ...(c.trailer ? { trailerBytes: 40 } : {}), ...(c.key ? { atRest: c.key } : {}) });
      }),
    );
    for (const [i, c] of cases.entries()) {
      const w = results[i]!;
      expect([w.segment.length, w.sha1, w.md5], `case ${i}`).toEqual([c.content.length, sha1(c.content), md5(c.content)]);
      if (c.trailer) expect(w.trailer).toBe(sha1(c.content));
      const stored = c.key
        ? await collect(blobs.read([w.segment], 0, c.content.length - 1, c.key === "sse-b2" ? undefined : c.key))
        : readFileSync(join(dir, w.segment.path));
      expect(stored.equals(c.content), `case ${i} content`).toBe(true);
    }
    const total = cases.reduce((n, c) => n + c.content.length, 0);
    expect(pool.stats.jobs - before.jobs).toBe(cases.length);
    expect(pool.stats.bytes - before.bytes).toBe(total);
    expect(pool.threadIds).toHaveLength(threads);
  });

  it("a slow worker holds the body back: at most 4 MiB in flight, then all of it, exact", async () => {
    const content = randomBytes(24 << 20);
    let read = 0;
    const source = Readable.from(
      (async function* () {
        for (let at = 0; at < content.length; at += 65_536) {
          read += 65_536;
          yield content.subarray(at, at + 65_536);
        }
      })(),
    );
    pool.stallWorkers(600);
    const writing = blobs.write(source);
    await sleep(400);
    // 4 slots of 1 MiB, plus what the streams buffer (a 16 KiB writable, the chunk being copied).
    expect(read).toBeGreaterThanOrEqual(4 << 20); // the slots filled
    expect(read).toBeLessThanOrEqual((4 << 20) + (256 << 10));
    const w = await writing;
    expect(read).toBe(content.length);
    expect([w.segment.length, w.sha1, w.md5]).toEqual([content.length, sha1(content), md5(content)]);
  });

  it("a write error (no temp directory) fails only that body, with BodyWorkerFailed; the workers live on", async () => {
    const failures = pool.stats.workerFailures;
    rmSync(join(dir, "tmp"), { recursive: true });
    try {
      await expect(blobs.write(trickle(randomBytes(3 << 20), 65_536))).rejects.toThrow(/body worker: ENOENT/);
    } finally {
      mkdirSync(join(dir, "tmp"));
    }
    expect(pool.stats.workerFailures).toBe(failures);
    const content = randomBytes(3 << 20);
    const w = await blobs.write(trickle(content, 65_536));
    expect([w.sha1, w.md5]).toEqual([sha1(content), md5(content)]);
  });

  it("a worker terminated mid-body: the write fails with BodyWorkerFailed after reading the body, no file left; the next write works", async () => {
    const content = randomBytes(8 << 20);
    let read = 0;
    const source = Readable.from(
      (async function* () {
        for (let at = 0; at < content.length; at += 65_536) {
          if (at === 2 << 20) await pool.terminateWorkers();
          read += 65_536;
          yield content.subarray(at, at + 65_536);
        }
      })(),
    );
    const failures = pool.stats.workerFailures;
    await expect(blobs.write(source)).rejects.toBeInstanceOf(BodyWorkerFailed);
    expect(read).toBe(content.length); // drained, not cut off: an HTTP client still gets its answer
    expect(pool.stats.workerFailures - failures).toBe(threads);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    const after = await blobs.write(trickle(content, 65_536));
    expect([after.sha1, after.md5]).toEqual([sha1(content), md5(content)]);
  });
});

describe("a body worker that stops answering", () => {
  const dir = mkdtempSync(join(tmpdir(), "b2kit-hung-"));
  const pool = new BodyWorkers("two-workers", { stallMs: 1_000 });
  const blobs = new Blobs(dir, { bodyWorkers: pool, offThreadFrom: 0 });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is ended after stallMs of silence with work owed: its bodies fail with BodyWorkerFailed, no file is left, fresh workers take the next", async () => {
    const content = randomBytes(3 << 20);
    const failures = pool.stats.workerFailures;
    pool.stallWorkers(20_000); // both threads stuck far longer than the second allowed
    const started = Date.now();
    await expect(blobs.write(trickle(content, 65_536))).rejects.toThrow(/no answer for 1000 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(pool.stats.workerFailures - failures).toBe(2);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    const w = await blobs.write(trickle(content, 65_536));
    expect([w.sha1, w.md5]).toEqual([sha1(content), md5(content)]);
  });

  it("a slow worker that still answers within stallMs is left alone", async () => {
    const content = randomBytes(3 << 20);
    const failures = pool.stats.workerFailures;
    pool.stallWorkers(100);
    const w = await blobs.write(trickle(content, 65_536));
    expect([w.sha1, w.md5]).toEqual([sha1(content), md5(content)]);
    expect(pool.stats.workerFailures).toBe(failures);
  });
});

describe("b2_upload_file hashed off-thread (server in this process)", () => {
  let dataDir: string;
  let running: Running;
  let s: Session;
  let bucket: any;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "b2kit-hash-server-"));
    running = await runServer({ dataDir });
    s = new Session({ url: running.url, keyId: running.keyId, key: running.key, pid: process.pid, control: new ControlClient(running.url), close: running.close });
    await s.login();
    bucket = await s.bucket("hash-offthread");
  });
  afterAll(async () => {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** POSTs `body` to a fresh upload URL in chunks, pausing now and then (`between` runs at each pause). */
  async function upload(name: string, body: Buffer, sha1Header: string, extra: Record<string, string> = {}, between?: (sent: number) => Promise<void>) {
    const u = await s.uploadUrl(bucket.bucketId);
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let at = 0; at < body.length; at += 200_000) {
          await sleep(2);
          await between?.(at);
          controller.enqueue(body.subarray(at, at + 200_000));
        }
        controller.close();
      },
    });
    const r = await fetch(u.uploadUrl, {
      method: "POST",
      headers: { authorization: u.authorizationToken, "x-bz-file-name": name, "content-type": "b2/x-auto", "content-length": String(body.length), "x-bz-content-sha1": sha1Header, ...extra },
      body: stream,
      duplex: "half",
    } as RequestInit);
    return { status: r.status, body: (await r.json()) as any };
  }

  it("concurrent uploads interleave on the workers: every SHA-1 checked, contents intact, wrong SHA-1 refused", async () => {
    const before = { ...bodyWorkers.stats };
    const bodies = [0, 1, 2, 3, 4].map((i) => randomBytes(3_000_000 + i * 123_457));
    const replies = await Promise.all([
      upload("a.bin", bodies[0]!, sha1(bodies[0]!)),
      upload("b.bin", Buffer.concat([bodies[1]!, Buffer.from(sha1(bodies[1]!))]), "hex_digits_at_end"),
      upload("c.bin", bodies[2]!, "do_not_verify"),
      upload("d.bin", bodies[3]!, sha1(bodies[3]!), { "x-bz-server-side-encryption": "AES256" }),
      upload("e.bin", bodies[4]!, sha1(bodies[0]!)), // someone else's SHA-1
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 400]);
    expect(replies[4]!.body).toMatchObject({ code: "bad_request", message: "Sha1 did not match data received" });
    expect(replies.slice(0, 4).map((r) => r.body.contentSha1)).toEqual([sha1(bodies[0]!), sha1(bodies[1]!), `unverified:${sha1(bodies[2]!)}`, sha1(bodies[3]!)]);
    for (const [i, r] of replies.slice(0, 4).entries()) {
      const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${r.body.fileId}`);
      expect(d.bytes.equals(bodies[i]!), `body ${i}`).toBe(true);
    }
    expect(bodyWorkers.stats.jobs - before.jobs).toBe(5);
    expect(bodyWorkers.stats.bytes - before.bytes).toBe(bodies.reduce((n, b) => n + b.length, 0));
    expect(bodyWorkers.threadIds.length).toBeGreaterThan(0);
  });

  it("a hash worker dying mid-upload: 500 internal_error, no file, no blob, no temp file; the next upload works", async () => {
    const body = randomBytes(6_000_000);
    const failures = bodyWorkers.stats.workerFailures;
    const blobsBefore = readdirSync(join(dataDir, "blobs")).length;
    const r = await upload("dies.bin", body, sha1(body), {}, async (sent) => {
      if (sent === 2_000_000) await bodyWorkers.terminateWorkers();
    });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ status: 500, code: "internal_error" });
    expect(bodyWorkers.stats.workerFailures).toBeGreaterThan(failures);
    const listed = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId, prefix: "dies.bin" });
    expect(listed.files).toEqual([]);
    expect(readdirSync(join(dataDir, "tmp"))).toEqual([]);
    expect(readdirSync(join(dataDir, "blobs"))).toHaveLength(blobsBefore);
    const ok = await upload("lives.bin", body, sha1(body));
    expect(ok.status).toBe(200);
    expect(readdirSync(join(dataDir, "blobs"))).toHaveLength(blobsBefore + 1);
  });
});
