/**
 * Resilience rows for JSON calls: 503 without Retry-After (exponential back-off from about 1 s),
 * 429/503 with `Retry-After: 2` (really waits 2 s), the retry budget, and 4xx never retried.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequest, RequestAttemptsFailed, ServiceUnavailable, type AwaitingBucket } from "../../src/index.js";
import {
  clearFaults,
  clearJournal,
  client,
  failure,
  flavors,
  gaps,
  injectFault,
  journal,
  only,
  roundTrip,
  startLocal,
  uniqueName,
  type Awaiting,
  type Server,
} from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: JSON calls", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let bucketName: string;
  const lines: string[] = [];
  beforeAll(async () => {
    b2 = client(flavor, server, flavor === "Awaiting" ? { logger: (l) => lines.push(l), backoff: { initial: 0.04, max: 1 } } : { backoff: { initial: 0.04, max: 1 } });
    bucketName = uniqueName("json");
    [, bucket] = await b2.createBucket({ bucketName });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("503 without Retry-After: retried with growing back-off, then succeeds", async () => {
    await clearFaults(server);
    await clearJournal(server);
    lines.length = 0;
    await injectFault(server, { op: "b2_list_buckets", status: 503, count: 4 });
    const names = [];
    for await (const [model] of b2.buckets()) names.push(model.bucketName);
    expect(names).toContain(bucketName);
    const calls = only(await journal(server), "b2_list_buckets");
    expect(calls.map((e) => e.status)).toEqual([503, 503, 503, 503, 200]);
    const waited = gaps(calls);
    // 40 ms × 1.5^n with ±25 % jitter: at least 30, 45, 67, 101 ms. The server sees each retry
    // no sooner than the client slept, so these lower bounds hold however loaded the machine is.
    [30, 45, 67, 101].forEach((least, i) => expect(waited[i]).toBeGreaterThanOrEqual(least - 2));
    if (flavor === "Awaiting") {
      const planned = lines.filter((l) => l.startsWith("b2_list_buckets: attempt")).map((l) => Number(/retrying in (\d+) ms/.exec(l)?.[1]));
      expect(planned).toHaveLength(4);
      expect(planned[0]).toBeGreaterThanOrEqual(30);
      expect(planned[0]).toBeLessThanOrEqual(50);
      expect(planned[3]).toBeGreaterThanOrEqual(101);
      expect(planned[3]).toBeLessThanOrEqual(169);
    }
    await roundTrip(bucket);
  });

  it("with the default back-off the first retry comes about 1 s after the 503", async () => {
    await clearFaults(server);
    const planned: number[] = [];
    const logger = (line: string): void => {
      const ms = /^b2_list_buckets: attempt 1 failed .*retrying in (\d+) ms/.exec(line)?.[1];
      if (ms !== undefined) planned.push(Number(ms));
    };
    const plain = client(flavor, server, flavor === "Awaiting" ? { backoff: {}, logger } : { backoff: {} });
    try {
      await plain.authorize();
      await clearJournal(server);
      await injectFault(server, { op: "b2_list_buckets", status: 503 });
      for await (const _ of plain.buckets()) void _;
      const calls = only(await journal(server), "b2_list_buckets");
      expect(calls.map((e) => e.status)).toEqual([503, 200]);
      const [gap] = gaps(calls);
      expect(gap).toBeGreaterThanOrEqual(750); // 1 s − 25 % jitter
      expect(gap).toBeLessThan(2500); // 1 s + 25 % jitter, plus request time on a busy machine
      if (flavor === "Awaiting") {
        expect(planned).toHaveLength(1);
        expect(planned[0]).toBeGreaterThanOrEqual(750);
        expect(planned[0]).toBeLessThanOrEqual(1250);
      }
    } finally {
      await plain.close();
    }
    await roundTrip(bucket);
  });

  it("429 and 503 with Retry-After: 2 wait at least 2 s each, then succeed", { timeout: 30_000 }, async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_file_info", status: 429, code: "too_many_requests", retryAfter: 2 });
    await injectFault(server, { op: "b2_get_file_info", status: 503, retryAfter: 2 });
    const [model, file] = await bucket.upload({ fileName: "retry-after.txt" }, new TextEncoder().encode("after"));
    const started = Date.now();
    const info = await file.get();
    const elapsed = Date.now() - started;
    expect(info.fileId).toBe(model.fileId);
    const calls = only(await journal(server), "b2_get_file_info");
    expect(calls.map((e) => e.status)).toEqual([429, 503, 200]);
    for (const gap of gaps(calls)) expect(gap).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeGreaterThanOrEqual(4000);
    await roundTrip(bucket);
  });

  it("the retry budget runs out: RequestAttemptsFailed with the last 503 as cause", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_file_info", status: 503, count: 5 });
    const [, file] = await bucket.upload({ fileName: "budget.txt" }, new TextEncoder().encode("budget"));
    const error = await failure(() => file.get());
    expect(error).toBeInstanceOf(RequestAttemptsFailed);
    expect((error as RequestAttemptsFailed).cause).toBeInstanceOf(ServiceUnavailable);
    expect(only(await journal(server), "b2_get_file_info")).toHaveLength(5);
    await roundTrip(bucket);
  });

  it("a per-client budget: maxAttempts 2 stops after two calls", async () => {
    await clearFaults(server);
    const small = client(flavor, server, { maxAttempts: 2 });
    try {
      await small.authorize();
      await clearJournal(server);
      await injectFault(server, { op: "b2_list_buckets", status: 500, count: 2 });
      const error = await failure(async () => {
        for await (const _ of small.buckets()) void _;
      });
      expect(error).toBeInstanceOf(RequestAttemptsFailed);
      expect(only(await journal(server), "b2_list_buckets")).toHaveLength(2);
    } finally {
      await small.close();
    }
    await roundTrip(bucket);
  });

  it("4xx other than 408/429 is never retried", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_file_info", status: 400, code: "bad_request" });
    const [, file] = await bucket.upload({ fileName: "four-hundred.txt" }, new TextEncoder().encode("x"));
    expect(await failure(() => file.get())).toBeInstanceOf(BadRequest);
    expect(only(await journal(server), "b2_get_file_info")).toHaveLength(1);
    await roundTrip(bucket);
  });

  it("408 and connection errors (a stalled JSON call past the timeout) are retried", async () => {
    await clearFaults(server);
    const quick = client(flavor, server, { timeout: 0.5 });
    try {
      await quick.authorize();
      await clearJournal(server);
      await injectFault(server, { op: "b2_list_buckets", status: 408, code: "request_timeout" });
      await injectFault(server, { op: "b2_list_buckets", wire: "stall", stallMs: 3000 });
      const names = [];
      for await (const [model] of quick.buckets()) names.push(model.bucketName);
      expect(names.length).toBeGreaterThan(0);
      const calls = only(await journal(server), "b2_list_buckets");
      // 408, then the stalled attempt (no answer: status 0, cut by the client's 0.5 s timeout), then success.
      expect(calls.map((e) => e.status)).toEqual([408, 0, 200]);
      expect(calls[1]?.fault).toBe("stall");
    } finally {
      await quick.close();
    }
    await roundTrip(bucket);
  });
});
