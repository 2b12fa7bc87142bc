/**
 * Parallel downloads hold 8 MB of heap headroom while they run (core/heap-headroom.ts: fewer
 * full GCs in a small process) and give it back when they end, failed or not.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heapHeadroomHeld } from "../../src/core/heap-headroom.js";
import type { AwaitingFile } from "../../src/index.js";
import { client, failure, startLocal, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-headroom-");
let server: Server;
let file: AwaitingFile;

beforeAll(async () => {
  server = await startLocal();
  const [, bucket] = await client("Awaiting", server).createBucket({ bucketName: uniqueName("headroom") });
  [, file] = await bucket.upload({ fileName: "ranges.bin" }, randomBytes(20_000)); // 20 ranges of 1000 bytes
});
afterAll(async () => {
  await server?.close();
});

describe("heap headroom of parallel downloads", () => {
  it("is held while save, download and downloadIterate fetch ranges, and released when they end or fail", async () => {
    const b2 = client("Awaiting", server, { concurrency: 4 });
    const f = b2.file(file.fileId as string);
    const seen: boolean[] = [];
    const onProgress = () => void seen.push(heapHeadroomHeld());
    expect(heapHeadroomHeld()).toBe(false);
    await f.save({ onProgress }, join(scratch, "out.bin"));
    expect(heapHeadroomHeld()).toBe(false);
    await f.download({ onProgress });
    expect(heapHeadroomHeld()).toBe(false);
    for await (const _ of f.downloadIterate({ onProgress })) void _;
    expect(heapHeadroomHeld()).toBe(false);
    expect(seen).toContain(true);
    const error = new Error("stop");
    expect(
      await failure(() =>
        f.download({
          onProgress: (p) => {
            if (p.bytes > 2000) throw error;
          },
        }),
      ),
    ).toBe(error);
    expect(heapHeadroomHeld()).toBe(false);
    await b2.close();
  });
});
