/**
 * callTimeout bounds a Blocking call's silence, not its length: a transfer that keeps moving
 * bytes outlives it with or without onProgress (the worker reports moving bytes itself), and a
 * call whose bytes stop still hits it. The server reads at 1 MB/s per connection and sends
 * downloads at 1 MB/s (slow_body: evenly; its connection shaping alone sends in 1 MB bursts), so
 * each transfer below takes about 3 s against a callTimeout of 1 s.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting, Blocking, BlockingTimeout, type ProgressEvent } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import { scratchDir } from "../support/scratch.js";

type Server = Awaited<ReturnType<typeof startServer>>;
const SIZE = 3_000_000;
const scratch = scratchDir("b2kit-liveness-");
let server: Server;
let awaiting: Awaiting;
let bucketId: string;
let fileId: string;
let smallFileId: string;
const small = join(scratch, "small.bin");
const large = join(scratch, "large.bin");
const data = new Uint8Array(SIZE).map((_, i) => i & 255);

beforeAll(async () => {
  server = await startServer({ shape: { bytesPerSec: 1_000_000 }, limits: { minPartSize: 1000, recommendedPartSize: 2_000_000 } });
  awaiting = new Awaiting(server.keyId, server.key, { authUrl: server.url });
  const [bucket, b] = await awaiting.createBucket({ bucketName: `liveness-${Date.now()}` });
  bucketId = bucket.bucketId;
  fileId = (await b.upload({ fileName: "source.bin" }, data))[0].fileId as string;
  smallFileId = (await b.upload({ fileName: "small-source.bin" }, data.subarray(0, 200_000)))[0].fileId as string;
  writeFileSync(small, data);
  writeFileSync(large, new Uint8Array(2 * 2_000_000).fill(7)); // two parts of 2 MB: about 2 s each
}, 120_000);
afterAll(async () => {
  await awaiting?.close();
  await server?.close();
});

/** A Blocking client with a 1 s callTimeout, its worker already started and authorized. */
function blocking(options: { timeout?: number; maxAttempts?: number } = {}): Blocking {
  const b = new Blocking(server.keyId, server.key, { authUrl: server.url, callTimeout: 1, concurrency: 1, chunkSize: 1_000_000, ...options });
  b.authorize();
  return b;
}

function timed<T>(fn: () => T): { value?: T; error?: unknown; ms: number } {
  const started = Date.now();
  try {
    return { value: fn(), ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

const cases: [string, (b: Blocking, onProgress?: (p: ProgressEvent) => void) => unknown][] = [
  ["download", (b, onProgress) => b.file(fileId).download(onProgress ? { onProgress } : {})],
  ["downloadIterate", (b, onProgress) => [...b.file(fileId).downloadIterate(onProgress ? { onProgress } : {})]],
  ["upload", (b, onProgress) => b.bucket(bucketId).upload({ fileName: "up.bin", ...(onProgress ? { onProgress } : {}) }, data)],
  ["uploadFile (one request)", (b, onProgress) => b.bucket(bucketId).uploadFile({ fileName: "small.bin", ...(onProgress ? { onProgress } : {}) }, small, false)],
  ["uploadFile (parts)", (b, onProgress) => b.bucket(bucketId).uploadFile({ fileName: "large.bin", ...(onProgress ? { onProgress } : {}) }, large)],
];

describe("a Blocking transfer that keeps moving bytes outlives callTimeout", () => {
  for (const [name, run] of cases) {
    for (const withProgress of [false, true]) {
      it(`${name}, ${withProgress ? "with" : "without"} onProgress`, async () => {
        if (name.startsWith("download")) await server.control.addFault({ op: "b2_download_file_by_id", wire: "slow_body", bytesPerSec: 1_000_000, count: 10 });
        const b = blocking();
        try {
          let events = 0;
          const r = timed(() => run(b, withProgress ? () => void events++ : undefined));
          expect(r.error).toBeUndefined();
          expect(r.ms).toBeGreaterThan(1800); // really longer than callTimeout
          if (withProgress) expect(events).toBeGreaterThanOrEqual(2);
        } finally {
          b.close();
          await server.control.clearFaults();
        }
      });
    }
  }
});

describe("a Blocking call whose bytes stop still times out", () => {
  it("a download whose body stalls halfway: BlockingTimeout at callTimeout, not at the end of the stall", async () => {
    await server.control.addFault({ op: "b2_download_file_by_id", wire: "stall", stallAt: "body", stallMs: 8000, count: 1 });
    const b = blocking({ timeout: 30 });
    try {
      const r = timed(() => b.file(smallFileId).download());
      expect(r.error).toBeInstanceOf(BlockingTimeout);
      expect(r.ms).toBeLessThan(4000); // not the stall's 8 s
    } finally {
      b.close();
      await server.control.clearFaults();
    }
  });

  it("a request with no body whose answer does not come: BlockingTimeout at callTimeout", async () => {
    await server.control.addFault({ op: "b2_get_file_info", wire: "stall", stallMs: 4000, count: 1 });
    const b = blocking({ timeout: 30 });
    try {
      const r = timed(() => b.file(fileId).get());
      expect(r.error).toBeInstanceOf(BlockingTimeout);
      expect(r.ms).toBeLessThan(3000);
    } finally {
      b.close();
      await server.control.clearFaults();
    }
  });

  it("an upload whose answer does not come: its bytes may still be in the socket's buffers, so the attempt's timeout bounds it", async () => {
    // The server sleeps before reading: the body sits in the socket buffers, unseen. Not a
    // BlockingTimeout at 1 s, but not unbounded either: the 2 s attempt timeout ends it.
    await server.control.addFault({ op: "b2_upload_file", wire: "stall", stallMs: 8000, count: 1 });
    const b = blocking({ timeout: 2, maxAttempts: 1 });
    try {
      const r = timed(() => b.bucket(bucketId).upload({ fileName: "stalled.bin" }, data.subarray(0, 100_000)));
      expect(r.error).toBeDefined();
      expect(r.error).not.toBeInstanceOf(BlockingTimeout);
      expect((r.error as { code?: string }).code).toBe("timeout");
      expect(r.ms).toBeLessThan(6000);
    } finally {
      b.close();
      await server.control.clearFaults();
    }
  });
});
