/**
 * A one-request upload reports byte-level progress as its body is handed to the transport:
 * monotone, ending at the total, never going back when an attempt is retried, in both clients.
 * The server reads at 8 MB/s, so the 12 MB body outlasts the socket buffers (a few MB on
 * loopback, taken at once) by about a second of steady progress.
 */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import { scratchDir } from "../support/scratch.js";
import { client, flavors, journal, uniqueName, type Server } from "./support.js";

const SIZE = 12_000_000;
const data = randomBytes(SIZE);
const sha1 = createHash("sha1").update(data).digest("hex");
const scratch = scratchDir("b2kit-upload-progress-");
const path = join(scratch, "data.bin");
let server: Server;
let bucketId: string;

beforeAll(async () => {
  server = await startServer({ shape: { bytesPerSec: 8_000_000 } });
  writeFileSync(path, data);
  const [bucket] = await client("Awaiting", server).createBucket({ bucketName: uniqueName("upload-progress") });
  bucketId = bucket.bucketId;
}, 120_000);
afterAll(async () => {
  await server?.close();
});

/** Checks the events of one upload of SIZE bytes and returns how many fell strictly between 0 and the total. */
function checkEvents(events: ProgressEvent[]): number {
  expect(events[0]).toEqual({ bytes: 0, total: SIZE });
  expect(events.at(-1)).toEqual({ bytes: SIZE, total: SIZE });
  for (let i = 1; i < events.length; i++) expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
  for (const e of events) expect(e.total).toBe(SIZE);
  return events.filter((e) => e.bytes > 0 && e.bytes < SIZE).length;
}

describe.each(flavors)("%s: byte-level progress of a one-request upload", (flavor) => {
  it("upload(): throttled events between 0 and the total, as the body goes", async () => {
    const events: ProgressEvent[] = [];
    const b2 = client(flavor, server);
    try {
      const [model] = await b2.bucket(bucketId).upload({ fileName: `upload-${flavor}`, onProgress: (p) => events.push(p) }, data);
      expect(model.contentSha1).toBe(sha1);
      expect(checkEvents(events)).toBeGreaterThanOrEqual(3);
    } finally {
      await b2.close();
    }
  });

  it("uploadFile() as one request: the same", async () => {
    const events: ProgressEvent[] = [];
    const b2 = client(flavor, server);
    try {
      const [model] = await b2.bucket(bucketId).uploadFile({ fileName: `file-${flavor}`, onProgress: (p) => events.push(p) }, path, false);
      expect(model.contentSha1).toBe(sha1);
      expect(checkEvents(events)).toBeGreaterThanOrEqual(3);
    } finally {
      await b2.close();
    }
  });
});

describe("Awaiting, over a fetch that fails the first attempt mid-body", () => {
  // Through the local server a failed attempt fails at loopback speed, inside one throttle
  // interval, so no event of it would show; a fetch of our own reads half the body slowly first.
  // (The Blocking client takes no custom fetch; its body is counted by the same code.)
  it("a retried attempt starts its body again, the progress does not go back", async () => {
    let first = true;
    const flaky: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (!first || !request.url.includes("/b2_upload_file/")) return fetch(request);
      first = false;
      const reader = (request.body as ReadableStream<Uint8Array>).getReader();
      for (let got = 0; got < SIZE / 2; ) {
        const { value, done } = await reader.read();
        if (done) break;
        got += value.byteLength;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await reader.cancel();
      throw new TypeError("fetch failed (connection reset, test)");
    };
    const events: ProgressEvent[] = [];
    const b2 = client("Awaiting", server, { fetch: flaky });
    try {
      const [model] = await b2.bucket(bucketId).upload({ fileName: "retried", onProgress: (p) => events.push(p) }, data);
      expect(first).toBe(false);
      expect(model.contentSha1).toBe(sha1);
      const uploads = (await journal(server)).filter((e) => e.op === "b2_upload_file");
      expect(uploads.at(-1)?.status).toBe(200);
      // Events of the failed attempt, past half the body, then the retry's: monotone all along.
      expect(events.some((e) => e.bytes >= SIZE / 4 && e.bytes < SIZE)).toBe(true);
      expect(checkEvents(events)).toBeGreaterThanOrEqual(3);
    } finally {
      await b2.close();
    }
  });
});
