/**
 * Resilience rows for downloads: a 503 is retried with the bytes intact; a connection cut
 * mid-body resumes with a Range request from the last byte received; a body that stalls past
 * the `timeout` option is abandoned and resumed the same way; parallel ranged downloads survive
 * faults on some of their pieces.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwaitingBucket, AwaitingFile } from "../../src/index.js";
import {
  clearFaults,
  clearJournal,
  client,
  flavors,
  injectFault,
  journal,
  only,
  roundTrip,
  sha1,
  startLocal,
  uniqueName,
  verifyDownload,
  type Awaiting,
  type Server,
} from "./support.js";

const BY_ID = "b2_download_file_by_id";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

/** A fetch that records the Range header of every download request (Awaiting only). */
function rangeRecorder(): { fetch: typeof fetch; ranges: (string | null)[] } {
  const ranges: (string | null)[] = [];
  return {
    ranges,
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.url.includes(BY_ID) || request.url.includes("/file/")) ranges.push(request.headers.get("range"));
      return fetch(input, init);
    },
  };
}

describe.each(flavors)("%s: downloads", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let bucketName: string;
  let data: Buffer;
  let file: AwaitingFile;
  const recorder = rangeRecorder();
  beforeAll(async () => {
    // One plain GET per download (concurrency 1), so a resume is visible as the only ranged GET.
    const extra = flavor === "Awaiting" ? { fetch: recorder.fetch } : {};
    b2 = client(flavor, server, { concurrency: 1, timeout: 0.5, ...extra });
    bucketName = uniqueName("downloads");
    [, bucket] = await b2.createBucket({ bucketName });
    data = randomBytes(200_000);
    let model;
    [model, file] = await bucket.upload({ fileName: "big/payload.bin" }, data);
    expect(model.contentSha1).toBe(sha1(data));
  });
  afterAll(async () => {
    await b2.close();
  });

  it("503 on a download: retried, bytes intact", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: BY_ID, status: 503, count: 2 });
    await verifyDownload(file, data);
    expect(only(await journal(server), BY_ID).map((e) => e.status)).toEqual([503, 503, 200]);
    await roundTrip(bucket);
  });

  it("503 on a download by name: retried, bytes intact", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_download_file_by_name", status: 503 });
    const back = Buffer.from(await b2.downloadByName(bucketName, "big/payload.bin"));
    expect(sha1(back)).toBe(sha1(data));
    expect(back.equals(data)).toBe(true);
    const entries = await journal(server);
    expect(only(entries, "b2_download_file_by_name").map((e) => e.status)).toEqual([503, 200]);
  });

  it("a connection cut mid-download resumes with a Range request from the last good byte", async () => {
    await clearFaults(server);
    await clearJournal(server);
    recorder.ranges.length = 0;
    await injectFault(server, { op: BY_ID, wire: "reset_mid_body" });
    await verifyDownload(file, data);
    const gets = only(await journal(server), BY_ID);
    expect(gets.map((e) => [e.status, e.fault ?? null])).toEqual([
      [200, "reset_mid_body"],
      [206, null],
    ]);
    if (flavor === "Awaiting") {
      expect(recorder.ranges[0]).toBeNull();
      const resumed = /^bytes=(\d+)-$/.exec(recorder.ranges[1] ?? "");
      expect(resumed).not.toBeNull();
      const start = Number(resumed?.[1]);
      // The server cut after half the body: the resume starts past 0, no later than the half.
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThanOrEqual(data.length / 2);
    }
  });

  it("a ranged download cut mid-body resumes inside the asked range", async () => {
    await clearFaults(server);
    await clearJournal(server);
    recorder.ranges.length = 0;
    await injectFault(server, { op: BY_ID, wire: "reset_mid_body" });
    const part = Buffer.from(await file.download({ range: "bytes=1000-150999" }));
    expect(part.equals(data.subarray(1000, 151_000))).toBe(true);
    expect(only(await journal(server), BY_ID).map((e) => e.status)).toEqual([206, 206]);
    if (flavor === "Awaiting") {
      expect(recorder.ranges[0]).toBe("bytes=1000-150999");
      const resumed = /^bytes=(\d+)-150999$/.exec(recorder.ranges[1] ?? "");
      expect(Number(resumed?.[1])).toBeGreaterThan(1000);
    }
  });

  it("a body that stalls past the timeout is abandoned and resumed", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: BY_ID, wire: "stall", stallAt: "body", stallMs: 4000 });
    const started = Date.now();
    await verifyDownload(file, data);
    expect(Date.now() - started).toBeLessThan(3800); // the stall alone lasts 4 s
    const gets = only(await journal(server), BY_ID);
    expect(gets.map((e) => e.fault ?? null)).toEqual(["stall", null]);
    expect(gets[1]?.status).toBe(206);
  });

  it("parallel ranged downloads: faults on some pieces are retried, the whole SHA-1 checks out", async () => {
    await clearFaults(server);
    const parallel = client(flavor, server, { concurrency: 4, chunkSize: 20_000 });
    try {
      await clearJournal(server);
      await injectFault(server, { op: BY_ID, status: 503, skip: 2 });
      await injectFault(server, { op: BY_ID, wire: "reset_mid_body", skip: 4 });
      const back = Buffer.from(await parallel.file(file.fileId).download());
      expect(back.equals(data)).toBe(true);
      const gets = only(await journal(server), BY_ID);
      expect(gets.filter((e) => e.status === 503)).toHaveLength(1);
      expect(gets.filter((e) => e.fault === "reset_mid_body")).toHaveLength(1);
      // The first range, then at least one range per lane.
      expect(gets.filter((e) => e.status === 206).length).toBeGreaterThanOrEqual(5);
    } finally {
      await parallel.close();
    }
  });
});
