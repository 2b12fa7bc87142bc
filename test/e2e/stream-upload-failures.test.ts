/**
 * uploadStream when things go wrong: chunks that are not bytes, bad settings caught before
 * anything is sent or read, a failed or aborted stream cancelling its large file (a stream
 * cannot be read again, so nothing could resume it), abort of a stalled source or request, and
 * the part-size growth that keeps long streams within B2's 10,000 parts.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError, type Awaiting, type AwaitingBucket } from "../../src/index.js";
import { MAX_STREAM_PART_SIZE, streamPartSize } from "../../src/core/ops/stream-upload.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Flavor, type Server } from "./support.js";

async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Settles within `ms`, or fails the test (instead of hanging until the test timeout). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms).unref())]);
}

let server: Server;
beforeAll(async () => {
  server = await startLocal(); // 1,000-byte parts
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: uploadStream failures", (flavor: Flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client(flavor, server, { concurrency: 2 });
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("stream-fail") });
  });
  afterAll(async () => {
    await b2.close();
  });

  /** Neither an unfinished large file nor a version under `name`. */
  async function expectNothingLeft(name: string): Promise<void> {
    expect(await collect(bucket.unfinishedFiles({ namePrefix: name }))).toEqual([]);
    expect(await collect(bucket.fileNames({ prefix: name }))).toEqual([]);
  }

  it("concurrency 1 keeps one part in flight from the first part on", async () => {
    const single = client(flavor, server, { concurrency: 1 });
    try {
      const chunks = Array.from({ length: 4 }, () => randomBytes(1000));
      // Every part is held 300 ms: one at a time takes at least 1,200 ms; two at once (the first two) less.
      await injectFault(server, { op: "b2_upload_part", wire: "stall", stallMs: 300, count: 4 });
      const started = Date.now();
      const [model] = await single.bucket(bucket.bucketId).uploadStream({ fileName: "one-lane.bin" }, chunks);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
      expect(model.contentLength).toBe(4000);
    } finally {
      await clearFaults(server);
      await single.close();
    }
  });

  it("rejects chunks that are strings or numbers with a ValidationError and uploads nothing", async () => {
    for (const [label, source] of [
      ["strings", ["abc", "def"]],
      ["numbers", [1, 2, 3]],
    ] as const) {
      await clearJournal(server);
      const name = `not-bytes-${label}`;
      const error = await failure(() => bucket.uploadStream({ fileName: name }, source as unknown as Uint8Array[]));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(label === "strings" ? /type string/ : /type number/);
      expect((error as Error).message).toMatch(/setEncoding/);
      expect(await journal(server)).toEqual([]);
      await expectNothingLeft(name);
    }
  });

  it("a chunk that is not bytes after the large file started fails and cancels the large file", async () => {
    await clearJournal(server);
    const source = [randomBytes(1000), randomBytes(1000), randomBytes(1000), "tail"];
    const error = await failure(() => bucket.uploadStream({ fileName: "late-string" }, source as unknown as Uint8Array[]));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/type string/);
    const entries = await journal(server);
    expect(count(entries, "b2_start_large_file")).toBe(1);
    expect(count(entries, "b2_cancel_large_file")).toBe(1);
    expect(count(entries, "b2_finish_large_file")).toBe(0);
    await expectNothingLeft("late-string");
  });

  it("accepts any ArrayBuffer view as a chunk, not only Uint8Array", async () => {
    const bytes = randomBytes(2500);
    const source = [new DataView(bytes.buffer, bytes.byteOffset, 1200), new Uint16Array(bytes.buffer.slice(bytes.byteOffset + 1200, bytes.byteOffset + 2500))];
    const [model, file] = await bucket.uploadStream({ fileName: "views" }, source as unknown as Uint8Array[]);
    expect(model.contentLength).toBe(2500);
    expect(Buffer.from(await file.download()).equals(bytes)).toBe(true);
  });

  it("a source that throws mid-way: the original error, and the large file is cancelled", async () => {
    await clearJournal(server);
    const broken = new Error("source broke");
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < 3; i++) yield randomBytes(1000);
      throw broken;
    }
    const error = await failure(() => bucket.uploadStream({ fileName: "source-throws" }, source()));
    expect((error as Error).message).toBe("source broke");
    const entries = await journal(server);
    expect(count(entries, "b2_start_large_file")).toBe(1);
    expect(count(entries, "b2_cancel_large_file")).toBe(1);
    expect(count(entries, "b2_finish_large_file")).toBe(0);
    await expectNothingLeft("source-throws");
  });

  it("a part that fails: the part's error, and the large file is cancelled", async () => {
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_part", status: 403, code: "cap_exceeded", skip: 1, count: 1 });
    try {
      const chunks = Array.from({ length: 5 }, () => randomBytes(1000));
      const error = await failure(() => bucket.uploadStream({ fileName: "part-fails" }, chunks));
      expect((error as { status: number; code: string }).status).toBe(403);
      expect((error as { code: string }).code).toBe("cap_exceeded");
    } finally {
      await clearFaults(server);
    }
    const entries = await journal(server);
    expect(count(entries, "b2_cancel_large_file")).toBe(1);
    expect(count(entries, "b2_finish_large_file")).toBe(0);
    await expectNothingLeft("part-fails");
  });

  it("concurrency 0, negative, NaN or fractional is a ValidationError before anything is sent or read", async () => {
    // A Blocking call that hangs blocks this thread: its callTimeout bounds it.
    const bounded = client(flavor, server, { callTimeout: 5 });
    try {
      const lanes = bounded.bucket(bucket.bucketId);
      for (const concurrency of [0, -1, Number.NaN, 1.5]) {
        await clearJournal(server);
        let read = false;
        function* source(): Generator<Uint8Array> {
          read = true;
          yield randomBytes(5500);
        }
        const error = await within(5000, failure(() => lanes.uploadStream({ fileName: "lanes", concurrency }, source())));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(/concurrency/);
        expect(read).toBe(false);
        expect(await journal(server)).toEqual([]);
      }
    } finally {
      await bounded.close();
    }
  });

  it("a bad file name is a ValidationError before anything is sent (not even authorization) or read", async () => {
    const fresh = client(flavor, server);
    try {
      await clearJournal(server);
      let read = false;
      function* source(): Generator<Uint8Array> {
        read = true;
        yield randomBytes(5500);
      }
      const error = await failure(() => fresh.bucket(bucket.bucketId).uploadStream({ fileName: "a//b" }, source()));
      expect(error).toBeInstanceOf(ValidationError);
      expect(read).toBe(false);
      expect(await journal(server)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

describe("Awaiting: uploadStream sources and abort", () => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client("Awaiting", server, { concurrency: 2 });
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("stream-abort") });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("a Readable with setEncoding (string chunks) is a ValidationError that says so, and uploads nothing", async () => {
    await clearJournal(server);
    const source = Readable.from([Buffer.from("hello"), Buffer.from(" world")]).setEncoding("utf8");
    const error = await failure(() => bucket.uploadStream({ fileName: "encoded" }, source));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/string/);
    expect((error as Error).message).toMatch(/setEncoding/);
    expect(await journal(server)).toEqual([]);
    expect(await collect(bucket.fileNames({ prefix: "encoded" }))).toEqual([]);
  });

  it("an abort mid-way rejects with the reason and cancels the large file", async () => {
    await clearJournal(server);
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 20; i++) {
        yield randomBytes(1000);
        if (i === 3) controller.abort(new Error("user abort"));
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const error = await failure(() => bucket.uploadStream({ fileName: "aborted", signal: controller.signal }, slow()));
    expect((error as Error).message).toBe("user abort");
    const entries = await journal(server);
    expect(count(entries, "b2_start_large_file")).toBe(1);
    expect(count(entries, "b2_cancel_large_file")).toBe(1);
    expect(count(entries, "b2_finish_large_file")).toBe(0);
    expect(await collect(bucket.unfinishedFiles({ namePrefix: "aborted" }))).toEqual([]);
  });

  it("an abort while the source never yields again rejects at once (AbortError) and cancels the large file", async () => {
    await clearJournal(server);
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield randomBytes(1000);
      yield randomBytes(1000);
      yield randomBytes(1000);
      await new Promise(() => undefined); // never yields again
    }
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const error = await within(5000, failure(() => bucket.uploadStream({ fileName: "stalled-source", signal: controller.signal }, stalls())));
    expect((error as Error).name).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(2000);
    const entries = await journal(server);
    expect(count(entries, "b2_cancel_large_file")).toBe(1);
    expect(await collect(bucket.unfinishedFiles({ namePrefix: "stalled-source" }))).toEqual([]);
  });

  it("an abort while the source stalls in its first part rejects at once and sends nothing", async () => {
    await clearJournal(server);
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield randomBytes(10);
      await new Promise(() => undefined);
    }
    setTimeout(() => controller.abort(new Error("gave up")), 200);
    const error = await within(5000, failure(() => bucket.uploadStream({ fileName: "stalled-first", signal: controller.signal }, stalls())));
    expect((error as Error).message).toBe("gave up");
    expect(await journal(server)).toEqual([]);
  });

  it("an abort while b2_start_large_file stalls rejects at once", async () => {
    await injectFault(server, { op: "b2_start_large_file", wire: "stall", stallMs: 4000, count: 1 });
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error("stop")), 300);
      const error = await within(
        10_000,
        failure(() => bucket.uploadStream({ fileName: "stalled-start", signal: controller.signal }, [randomBytes(3000)])),
      );
      expect((error as Error).message).toBe("stop");
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await clearFaults(server);
    }
  });

  it("an already-aborted signal rejects with its reason before anything is sent or read", async () => {
    await clearJournal(server);
    const controller = new AbortController();
    controller.abort(new Error("never started"));
    let read = false;
    function* source(): Generator<Uint8Array> {
      read = true;
      yield randomBytes(3000);
    }
    const error = await failure(() => bucket.uploadStream({ fileName: "never", signal: controller.signal }, source()));
    expect((error as Error).message).toBe("never started");
    expect(read).toBe(false);
    expect(await journal(server)).toEqual([]);
  });
});

describe("uploadStream part size", () => {
  const MIN = 5_000_000; // B2's absoluteMinimumPartSize
  const MAX_PARTS = 10_000;

  it("keeps the base size for parts 1-500, then doubles every 500 parts, never above 5 GB", () => {
    expect(streamPartSize(1, MIN)).toBe(MIN);
    expect(streamPartSize(500, MIN)).toBe(MIN);
    expect(streamPartSize(501, MIN)).toBe(2 * MIN);
    expect(streamPartSize(1001, MIN)).toBe(4 * MIN);
    expect(MAX_STREAM_PART_SIZE).toBeLessThanOrEqual(5_000_000_000);
    let previous = 0;
    for (let n = 1; n <= MAX_PARTS; n++) {
      const size = streamPartSize(n, MIN);
      expect(size).toBeGreaterThanOrEqual(previous); // every part but the last stays >= the minimum
      expect(size).toBeLessThanOrEqual(MAX_STREAM_PART_SIZE);
      previous = size;
    }
    expect(streamPartSize(MAX_PARTS, MIN)).toBe(MAX_STREAM_PART_SIZE);
  });

  it("fits B2's 10 TB largest file in 10,000 parts from B2's 5 MB minimum part size", () => {
    let total = 0;
    for (let n = 1; n <= MAX_PARTS; n++) total += streamPartSize(n, MIN);
    expect(total).toBeGreaterThanOrEqual(10e12);
  });
});
