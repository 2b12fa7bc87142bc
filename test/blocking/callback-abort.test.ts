/**
 * An onProgress that throws stops a Blocking transfer where it is, as in the Awaiting client:
 * nothing finished on the server, no saved target, a large uploadFile left unfinished (a rerun
 * resumes it). Each scenario runs in both clients and must leave the same thing behind.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting, Blocking, type ProgressEvent } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import { scratchDir } from "../support/scratch.js";

type Server = Awaited<ReturnType<typeof startServer>>;
type Flavor = "Awaiting" | "Blocking";
const scratch = scratchDir("b2kit-callback-abort-");
let server: Server;
let checker: Awaiting;
let bucketId: string;
let bigFileId: string;
const smallPath = join(scratch, "small.bin");
const bigPath = join(scratch, "big.bin");
const big = randomBytes(2_000_000);

beforeAll(async () => {
  server = await startServer({ limits: { minPartSize: 1000, recommendedPartSize: 100_000 } });
  checker = new Awaiting(server.keyId, server.key, { authUrl: server.url });
  const [bucket, b] = await checker.createBucket({ bucketName: `callback-abort-${Date.now()}` });
  bucketId = bucket.bucketId;
  bigFileId = (await b.upload({ fileName: "source.bin" }, big))[0].fileId as string;
  writeFileSync(smallPath, randomBytes(50_000));
  writeFileSync(bigPath, big);
}, 120_000);
afterAll(async () => {
  await checker?.close();
  await server?.close();
});

/** What a scenario left under `name`: finished versions and unfinished large files. */
async function leftBehind(name: string): Promise<{ finished: number; unfinished: number }> {
  const b = checker.bucket(bucketId);
  let finished = 0;
  let unfinished = 0;
  for await (const [m] of b.fileVersions({ prefix: name })) if (m.fileName === name && m.action === "upload") finished++;
  for await (const [m] of b.unfinishedFiles({ namePrefix: name })) if (m.fileName === name) unfinished++;
  return { finished, unfinished };
}

/** A client of `flavor`, typed as Awaiting (the Blocking one behaves the same under await). */
function client(flavor: Flavor): Awaiting {
  const opts = { authUrl: server.url, chunkSize: 100_000, maxAttempts: 1 };
  return flavor === "Awaiting" ? new Awaiting(server.keyId, server.key, opts) : (new Blocking(server.keyId, server.key, opts) as unknown as Awaiting);
}

async function closeClient(c: Awaiting): Promise<void> {
  await c.close();
}

/** onProgress that throws `error` on its `at`-th event (or on the event `when` picks). */
function thrower(error: Error, at: number | ((p: ProgressEvent) => boolean)) {
  let n = 0;
  return (p: ProgressEvent) => {
    n++;
    if (typeof at === "number" ? n >= at : at(p)) throw error;
  };
}

const chunks = function* (count: number, size: number) {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i);
};

interface Scenario {
  name: string;
  at: number | ((p: ProgressEvent) => boolean);
  run: (c: Awaiting, name: string, onProgress: (p: ProgressEvent) => void) => Promise<unknown>;
  expected: { finished: number; unfinished: number };
}

const nothing = { finished: 0, unfinished: 0 };
const scenarios: Scenario[] = [
  {
    name: "upload (small, one request)",
    at: 1,
    run: (c, name, onProgress) => c.bucket(bucketId).upload({ fileName: name, onProgress }, randomBytes(3000)),
    expected: nothing,
  },
  {
    name: "upload (1 MB, in pieces)",
    at: 1,
    run: (c, name, onProgress) => c.bucket(bucketId).upload({ fileName: name, onProgress }, randomBytes(1_000_000)),
    expected: nothing,
  },
  {
    name: "uploadFile (one request)",
    at: 1,
    run: (c, name, onProgress) => c.bucket(bucketId).uploadFile({ fileName: name, onProgress }, smallPath),
    expected: nothing,
  },
  {
    name: "uploadStream (fits one request)",
    at: 1,
    run: (c, name, onProgress) => c.bucket(bucketId).uploadStream({ fileName: name, onProgress }, chunks(3, 1000)),
    expected: nothing,
  },
  {
    name: "uploadStream (parts: the large file is cancelled)",
    at: 1,
    run: (c, name, onProgress) => c.bucket(bucketId).uploadStream({ fileName: name, onProgress }, chunks(20, 100_000)),
    expected: nothing,
  },
  {
    name: "uploadFile (parts: left unfinished, resumable)",
    at: 2,
    run: (c, name, onProgress) => c.bucket(bucketId).uploadFile({ fileName: name, onProgress }, bigPath),
    expected: { finished: 0, unfinished: 1 },
  },
];

describe("a throwing onProgress stops the transfer in both clients alike", () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      for (const flavor of ["Awaiting", "Blocking"] as const) {
        const c = client(flavor);
        try {
          // A pooled upload URL, as in any client that uploaded before: the body goes at once.
          await c.bucket(bucketId).upload({ fileName: `warm-${flavor}` }, new Uint8Array(10));
          const name = `${s.name.replace(/\W+/g, "-")}-${flavor}`;
          const error = new Error(`stop ${flavor}`);
          let thrown: unknown;
          try {
            await s.run(c, name, thrower(error, s.at));
          } catch (e) {
            thrown = e;
          }
          expect(thrown, flavor).toBe(error);
          expect(await leftBehind(name), flavor).toEqual(s.expected);
        } finally {
          await closeClient(c);
        }
      }
    });
  }

  it("save, throwing on the last event: no target and no temporary file", async () => {
    for (const flavor of ["Awaiting", "Blocking"] as const) {
      const c = client(flavor);
      const dir = join(scratch, `save-${flavor}`);
      mkdirSync(dir);
      try {
        const error = new Error(`stop ${flavor}`);
        let thrown: unknown;
        try {
          await c.file(bigFileId).save({ onProgress: thrower(error, (p) => p.bytes === p.total) }, join(dir, "out.bin"));
        } catch (e) {
          thrown = e;
        }
        expect(thrown, flavor).toBe(error);
        expect(readdirSync(dir), flavor).toEqual([]);
      } finally {
        await closeClient(c);
      }
    }
  });

  it("a callback whose verdict comes late (it ran long) still aborts the Blocking call's requests", async () => {
    // The first event's callback runs past the worker's wait for its verdict, so the worker goes
    // on and sends the upload; the callback then throws while the server sits on the upload: the
    // abort, not the answer, ends it. (The 100% event comes only after B2's answer.)
    await server.control.addFault({ op: "b2_upload_file", wire: "stall", stallMs: 3000, count: 1 });
    const c = client("Blocking");
    try {
      const error = new Error("stop late");
      const onProgress = () => {
        const until = Date.now() + 150;
        while (Date.now() < until);
        throw error;
      };
      const started = Date.now();
      let thrown: unknown;
      try {
        await c.bucket(bucketId).upload({ fileName: "late-verdict.bin", onProgress }, randomBytes(1_000_000));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBe(error);
      expect(Date.now() - started).toBeLessThan(2500); // did not wait for the stalled answer
      await new Promise((resolve) => setTimeout(resolve, 3500)); // past the stall: it would have landed by now
      expect(await leftBehind("late-verdict.bin")).toEqual(nothing);
    } finally {
      await closeClient(c);
      await server.control.clearFaults();
    }
  });
});
