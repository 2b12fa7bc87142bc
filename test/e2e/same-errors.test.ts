/** Both hierarchies throw the same classes: a call after close(), and chunks that are not bytes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreEngine } from "../../src/core/engine.js";
import { readyItems } from "../../src/core/ready-items.js";
import { B2Error, ClientClosed, ValidationError } from "../../src/errors.js";
import type { AwaitingBucket } from "../../src/index.js";
import { clearFaults, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";

let server: Server;
let bucketId: string;

beforeAll(async () => {
  server = await startLocal();
  const [model] = await client("Awaiting", server).createBucket({ bucketName: uniqueName("same-errors") });
  bucketId = model.bucketId;
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s", (flavor) => {
  it("a call after close() throws ClientClosed, a B2Error naming the operation", async () => {
    const b2 = client(flavor, server);
    await b2.authorize();
    await b2.close();
    for (const call of [() => b2.authorize(), () => b2.bucket(bucketId).upload({ fileName: "late" }, new Uint8Array(1))]) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(ClientClosed);
      expect(e).toBeInstanceOf(B2Error);
      expect((e as B2Error).status).toBe(0);
      expect((e as B2Error).operation).toBeTruthy();
    }
  });

  it("uploadStream of string chunks is a ValidationError, and nothing is uploaded", async () => {
    const b2 = client(flavor, server);
    const bucket: AwaitingBucket = b2.bucket(bucketId);
    const before = count(await journal(server), "b2_upload_file");
    const strings = ["abc", "def"] as unknown as Uint8Array[]; // a sync iterable: both hierarchies take it
    const e = await failure(() => bucket.uploadStream({ fileName: "strings.txt" }, strings));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toMatch(/string/);
    expect(count(await journal(server), "b2_upload_file")).toBe(before);
    await b2.close();
  });
});

describe("Awaiting close() stops what is still running", () => {
  it("an open download iterator and a stalled upload end with ClientClosed at once, not after their retries", async () => {
    const b2 = client("Awaiting", server, { chunkSize: 1000, concurrency: 2 });
    const bucket = b2.bucket(bucketId);
    const [, file] = await bucket.upload({ fileName: "close-iter.bin" }, new Uint8Array(10_000).fill(7));
    const it = file.downloadIterate()[Symbol.asyncIterator]();
    await it.next();
    await injectFault(server, { op: "b2_upload_file", wire: "stall", stallMs: 5000, count: 10 });
    const stalled = bucket.upload({ fileName: "close-stalled.bin" }, new Uint8Array(100));
    stalled.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await b2.close();
    expect(await failure(() => stalled)).toBeInstanceOf(ClientClosed);
    expect(await failure(() => it.next())).toBeInstanceOf(ClientClosed);
    expect(Date.now() - started).toBeLessThan(1000);
    await clearFaults(server);
  });
});

describe("the engine's iterators and listeners", () => {
  it("keep telling the Blocking worker how many items a page already holds (one round trip per page, not per item)", async () => {
    const engine = new CoreEngine(server.keyId, server.key, { authUrl: server.url });
    const b2 = client("Awaiting", server);
    for (let i = 0; i < 4; i++) await b2.bucket(bucketId).upload({ fileName: `ready-${i}` }, new Uint8Array(1));
    const it = engine.iterate("Bucket.fileNames" as never, { kind: "Bucket", bucketId } as never, [{ prefix: "ready-" }] as never)[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    expect(readyItems(it)).toBe(3);
    await it.return?.();
    await engine.close();
    await b2.close();
  });

  it("many requests in flight on one client raise no listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const b2 = client("Awaiting", server);
    try {
      await Promise.all(Array.from({ length: 25 }, (_, i) => b2.bucket(bucketId).upload({ fileName: `many-${i}` }, new Uint8Array(10))));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
      await b2.close();
    }
    expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
  });
});
