/**
 * An onProgress that throws (Awaiting): the call fails with the caller's own error, at once,
 * without retrying it as a transport failure, and without crashing the process when the throw
 * comes on the last event of a download (the socket is back in the keep-alive pool by then).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwaitingBucket } from "../../src/index.js";
import {
  clearFaults,
  client,
  count,
  failure,
  injectFault,
  journal,
  startLocal,
  uniqueName,
  type Server,
} from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-progress-throw-");
let server: Server;
let bucket: AwaitingBucket;
const b2 = () => client("Awaiting", server, { concurrency: 2 });

beforeAll(async () => {
  server = await startLocal();
  [, bucket] = await b2().createBucket({ bucketName: uniqueName("progress-throw") });
});
afterAll(async () => {
  await server?.close();
});

/** A callback that throws `error` once the event matches. */
const throwing =
  (error: Error, when: (p: { bytes: number; total?: number | undefined }) => boolean) =>
  (p: { bytes: number; total?: number | undefined }) => {
    if (when(p)) throw error;
  };

describe("onProgress throwing", () => {
  it("on the last event of downloadIterate, download and save: the caller's error, and the process lives on", async () => {
    const data = randomBytes(20_000); // several ranges with chunkSize 1000
    const [, file] = await bucket.upload({ fileName: "final-throw.bin" }, data);
    for (let round = 0; round < 3; round++) {
      const error = new Error(`last event ${round}`);
      const onProgress = throwing(error, (p) => p.bytes === p.total);
      const iterate = async () => {
        for await (const _ of file.downloadIterate({ onProgress })) void _;
      };
      expect(await failure(iterate)).toBe(error);
      expect(await failure(() => file.download({ onProgress }))).toBe(error);
      expect(await failure(() => file.save({ onProgress }, join(scratch, `final-${round}.bin`)))).toBe(error);
      // The late abort must not surface as an unhandled socket error (vitest fails the run on one).
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  // With a custom fetch, fetch wraps the body's error in its own ("fetch failed", { cause }).
  for (const [transport, options] of [
    ["node:http", {}],
    ["a custom fetch", { fetch: ((input, init) => fetch(input, init)) as typeof fetch }],
  ] as const) {
    it(`in a large uploadFile over ${transport}, thrown while a part's body is sent: the caller's error, no part retried, not finished`, async () => {
      const name = `large-throw-${transport.replace(/\W+/g, "-")}.bin`;
      const path = join(scratch, name);
      writeFileSync(path, randomBytes(10_000)); // 10 parts of 1000 bytes, on 2 lanes
      // The first two parts' answers wait, so the next event (throttled to one per 100 ms) comes
      // from inside the body of part 3 or 4, where a transport failure would be retried.
      await injectFault(server, { op: "b2_upload_part", wire: "stall", stallMs: 300, count: 2 });
      const error = new Error(`stop uploading over ${transport}`);
      let events = 0;
      const before = await journal(server);
      const thrown = await failure(() =>
        client("Awaiting", server, { concurrency: 2, ...options })
          .bucket(bucket.bucketId)
          .uploadFile(
            {
              fileName: name,
              onProgress: () => {
                if (++events >= 2) throw error;
              },
            },
            path,
          ),
      );
      await clearFaults(server);
      expect(thrown).toBe(error);
      const after = await journal(server);
      const sent = (op: string) => count(after, op) - count(before, op);
      expect(sent("b2_upload_part")).toBeLessThanOrEqual(4);
      expect(sent("b2_get_upload_part_url")).toBeLessThanOrEqual(2); // one per lane: no new URL for a retry
      expect(sent("b2_finish_large_file")).toBe(0);
    });
  }

  it("at 100% of a simple upload: reported once B2 has answered, so the file is there when the call fails", async () => {
    for (let round = 0; round < 3; round++) {
      const error = new Error("at the end");
      const name = `end-throw-${round}.bin`;
      const thrown = await failure(() =>
        bucket.upload(
          {
            fileName: name,
            onProgress: (p) => {
              if (p.bytes === p.total) throw error;
            },
          },
          randomBytes(2 << 20),
        ),
      );
      expect(thrown).toBe(error);
      const names: string[] = [];
      for await (const [model] of bucket.fileNames({ prefix: name })) names.push(model.fileName as string);
      expect(names).toEqual([name]);
    }
  });
});
