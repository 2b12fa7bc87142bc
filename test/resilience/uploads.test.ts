/**
 * Resilience rows for uploads and parts: B2's URL-rotation rule (5xx, 408, token 401, reset, stall
 * → a NEW upload URL, at most 5), 429 on the same URL, 403 cap_exceeded final, a 503 on
 * b2_get_upload_url, an upload that landed before its response was lost (reconciled, no
 * duplicate), a lost b2_finish_large_file response, and the upload test modes.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Forbidden, RequestAttemptsFailed, ServiceUnavailable, type AwaitingBucket } from "../../src/index.js";
import {
  advanceClock,
  clearFaults,
  clearJournal,
  client,
  count,
  failure,
  flavors,
  injectFault,
  journal,
  only,
  roundTrip,
  sha1,
  startLocal,
  uniqueName,
  urlId,
  verifyDownload,
  versionsOf,
  type Awaiting,
  type JournalEntry,
  type Server,
} from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-resilience-");

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: uploads", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let bucketId: string;
  beforeAll(async () => {
    b2 = client(flavor, server);
    let model;
    [model, bucket] = await b2.createBucket({ bucketName: uniqueName("uploads") });
    bucketId = model.bucketId;
  });
  afterAll(async () => {
    await b2.close();
  });

  /** A fresh upload whose bytes and SHA-1 are checked after the faulted attempts. */
  async function uploadAndVerify(name: string, size = 800): Promise<string> {
    const data = randomBytes(size);
    const [model, file] = await bucket.upload({ fileName: name }, data);
    expect(model.contentSha1).toBe(sha1(data));
    await verifyDownload(file, data, model.contentSha1);
    return model.fileId as string;
  }

  for (const [status, code] of [
    [503, "service_unavailable"],
    [500, "internal_error"],
    [408, "request_timeout"],
  ] as const) {
    it(`${status} on b2_upload_file: a new upload URL, and the retry goes there`, async () => {
      await clearFaults(server);
      await clearJournal(server);
      await injectFault(server, { op: "b2_upload_file", status, code });
      await uploadAndVerify(`status-${status}.bin`);
      const entries = await journal(server);
      const uploads = only(entries, "b2_upload_file");
      expect(uploads.map((e) => e.status)).toEqual([status, 200]);
      expect(urlId(uploads[1]!)).not.toBe(urlId(uploads[0]!));
      // The second URL was fetched after the failure, and it is the one the retry used.
      const fetched = only(entries, "b2_get_upload_url").filter((e) => e.seq > uploads[0]!.seq);
      expect(fetched).toHaveLength(1);
      expect(urlId(fetched[0]!)).toBe(urlId(uploads[1]!));
    });

    it(`${status} on b2_upload_part: a new part URL, and the retry goes there`, async () => {
      await clearFaults(server);
      const data = randomBytes(2500);
      const path = join(scratch, `${flavor}-part-${status}.bin`);
      writeFileSync(path, data);
      await clearJournal(server);
      await injectFault(server, { op: "b2_upload_part", status, code, skip: 1 });
      // One part in flight, so the only URL the retry can use is one fetched after the failure.
      const [model, file] = await bucket.uploadFile({ fileName: `part-${status}.bin`, concurrency: 1 }, path);
      const entries = await journal(server);
      const parts = only(entries, "b2_upload_part");
      expect(parts.map((e) => e.status)).toEqual([200, status, 200, 200]);
      const [first, failed, retry, last] = parts as [JournalEntry, JournalEntry, JournalEntry, JournalEntry];
      expect(urlId(failed)).toBe(urlId(first)); // a healthy URL is reused...
      expect(urlId(retry)).not.toBe(urlId(failed)); // ...until it fails
      const fresh = only(entries, "b2_get_upload_part_url").filter((e) => e.seq > failed.seq);
      expect(fresh.map(urlId)).toEqual([urlId(retry)]);
      expect(urlId(last)).toBe(urlId(retry));
      expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
      await verifyDownload(file, data);
    });
  }

  it("fails on 5 different upload URLs, then gives up with RequestAttemptsFailed", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", status: 503, count: 6 });
    const error = await failure(() => bucket.upload({ fileName: "five-urls.bin" }, randomBytes(100)));
    expect(error).toBeInstanceOf(RequestAttemptsFailed);
    const uploads = only(await journal(server), "b2_upload_file");
    expect(uploads).toHaveLength(5);
    expect(new Set(uploads.map(urlId)).size).toBe(5);
    expect(await versionsOf(bucket, "five-urls.bin")).toEqual([]);
    await clearFaults(server);
    await roundTrip(bucket);
  });

  it("503 with Retry-After on b2_upload_file waits that long before the next upload URL", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", status: 503, retryAfter: 1, count: 1 });
    const started = Date.now();
    await uploadAndVerify("retry-after-503.bin");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const uploads = only(await journal(server), "b2_upload_file");
    expect(uploads.map((e) => e.status)).toEqual([503, 200]);
    expect(urlId(uploads[1]!)).not.toBe(urlId(uploads[0]!));
  });

  it("maxAttempts bounds upload retries: 1 sends once and throws B2's error, 2 tries two URLs", async () => {
    await clearFaults(server);
    for (const [maxAttempts, sent] of [
      [1, 1],
      [2, 2],
    ] as const) {
      const limited = client(flavor, server, { maxAttempts });
      try {
        await clearJournal(server);
        await injectFault(server, { op: "b2_upload_file", status: 503, count: 6 });
        const error = await failure(() => limited.bucket(bucket.bucketId).upload({ fileName: `limited-${maxAttempts}.bin` }, randomBytes(100)));
        const uploads = only(await journal(server), "b2_upload_file");
        expect(uploads, `maxAttempts ${maxAttempts}`).toHaveLength(sent);
        expect(new Set(uploads.map(urlId)).size).toBe(sent);
        expect(error).toBeInstanceOf(maxAttempts === 1 ? ServiceUnavailable : RequestAttemptsFailed);
      } finally {
        await clearFaults(server);
        await limited.close();
      }
    }
  });

  it("401 expired_auth_token on an upload URL: a new upload URL, retry", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", status: 401, code: "expired_auth_token" });
    await uploadAndVerify("upload-401.bin");
    const entries = await journal(server);
    const uploads = only(entries, "b2_upload_file");
    expect(uploads.map((e) => e.status)).toEqual([401, 200]);
    expect(urlId(uploads[1]!)).not.toBe(urlId(uploads[0]!));
    expect(count(entries, "b2_authorize_account")).toBe(0);
  });

  it("a pooled upload URL whose token really expired (clock +24 h): new URL, re-authorize, success", async () => {
    await clearFaults(server);
    await uploadAndVerify("warm-pool.bin");
    await advanceClock(server, 24 * 3600 + 60);
    await clearJournal(server);
    await uploadAndVerify("after-24h.bin");
    const entries = await journal(server);
    const uploads = only(entries, "b2_upload_file");
    expect([uploads[0]?.status, uploads[0]?.code]).toEqual([401, "expired_auth_token"]);
    expect(uploads.at(-1)?.status).toBe(200);
    expect(urlId(uploads.at(-1)!)).not.toBe(urlId(uploads[0]!));
    expect(count(entries, "b2_authorize_account")).toBe(1);
  });

  it("503 on b2_get_upload_url: retried, and the upload uses the URL the retry returned", async () => {
    await clearFaults(server);
    const [, fresh] = await b2.createBucket({ bucketName: uniqueName("geturl") });
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_upload_url", status: 503 });
    const data = randomBytes(300);
    const [model, file] = await fresh.upload({ fileName: "via-retry.bin" }, data);
    const entries = await journal(server);
    const urls = only(entries, "b2_get_upload_url");
    expect(urls.map((e) => e.status)).toEqual([503, 200]);
    const uploads = only(entries, "b2_upload_file");
    expect(uploads).toHaveLength(1);
    expect(urlId(uploads[0]!)).toBe(urls[1]!.uploadUrlId);
    await verifyDownload(file, data, model.contentSha1);
  });

  it("429 on b2_upload_file backs off and retries on the same URL", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", status: 429, code: "too_many_requests" });
    await uploadAndVerify("busy.bin");
    const uploads = only(await journal(server), "b2_upload_file");
    expect(uploads.map((e) => e.status)).toEqual([429, 200]);
    expect(urlId(uploads[1]!)).toBe(urlId(uploads[0]!));
  });

  it("403 cap_exceeded: no retry, a clear error, exactly one upload call", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", status: 403, code: "cap_exceeded", message: "storage cap exceeded" });
    const error = await failure(() => bucket.upload({ fileName: "capped.bin" }, randomBytes(100)));
    expect(error).toBeInstanceOf(Forbidden);
    expect((error as Forbidden).code).toBe("cap_exceeded");
    expect((error as Forbidden).message).toMatch(/cap/);
    expect(only(await journal(server), "b2_upload_file")).toHaveLength(1);
    await roundTrip(bucket);
  });

  it("the upload lands but the response is lost: reconciled by listing, no duplicate version", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", wire: "drop_after_commit" });
    const data = randomBytes(600);
    const [model, file] = await bucket.upload({ fileName: "landed.bin" }, data);
    const entries = await journal(server);
    expect(only(entries, "b2_upload_file").map((e) => [e.status, e.fault])).toEqual([[200, "drop_after_commit"]]);
    expect(count(entries, "b2_list_file_versions")).toBeGreaterThanOrEqual(1);
    const versions = await versionsOf(bucket, "landed.bin");
    expect(versions).toEqual([{ fileId: model.fileId, contentSha1: sha1(data), action: "upload" }]);
    await verifyDownload(file, data, model.contentSha1);
  });

  it("a part lands but its response is lost: retried on a fresh URL, the file is exact", async () => {
    await clearFaults(server);
    const data = randomBytes(2200);
    const path = join(scratch, `${flavor}-part-drop.bin`);
    writeFileSync(path, data);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_part", wire: "drop_after_commit" });
    const [, file] = await bucket.uploadFile({ fileName: "part-drop.bin" }, path);
    const parts = only(await journal(server), "b2_upload_part");
    const dropped = parts.find((e) => e.fault === "drop_after_commit")!;
    expect(parts.filter((e) => e.seq > dropped.seq).map(urlId)).not.toContain(urlId(dropped));
    expect(await versionsOf(bucket, "part-drop.bin")).toHaveLength(1);
    await verifyDownload(file, data);
  });

  it("connection reset mid-body: retried on a fresh URL", async () => {
    await clearFaults(server);
    await clearJournal(server);
    await injectFault(server, { op: "b2_upload_file", wire: "reset_mid_body" });
    await uploadAndVerify("reset.bin", 64 * 1024);
    const uploads = only(await journal(server), "b2_upload_file");
    expect(uploads.map((e) => e.status)).toEqual([0, 200]);
    expect(urlId(uploads[1]!)).not.toBe(urlId(uploads[0]!));
    expect(await versionsOf(bucket, "reset.bin")).toHaveLength(1);
  });

  it("the server stalls past the timeout: the attempt times out and is retried on a fresh URL", async () => {
    await clearFaults(server);
    const quick = client(flavor, server, { timeout: 0.5 });
    try {
      const [, b] = await quick.createBucket({ bucketName: uniqueName("stall") });
      await roundTrip(b, "warm.bin");
      await clearJournal(server);
      await injectFault(server, { op: "b2_upload_file", wire: "stall", stallMs: 3000 });
      const data = randomBytes(500);
      const started = Date.now();
      const [model, file] = await b.upload({ fileName: "stalled.bin" }, data);
      expect(Date.now() - started).toBeLessThan(2900); // the stall alone lasts 3 s
      const uploads = only(await journal(server), "b2_upload_file");
      expect(uploads.map((e) => [e.status, e.fault ?? null])).toEqual([
        [0, "stall"],
        [200, null],
      ]);
      expect(urlId(uploads[1]!)).not.toBe(urlId(uploads[0]!));
      await verifyDownload(file, data, model.contentSha1);
    } finally {
      await quick.close();
    }
  });

  it("a lost b2_finish_large_file response: the retry's 400 is reconciled with b2_get_file_info", async () => {
    await clearFaults(server);
    const data = randomBytes(2500);
    const path = join(scratch, `${flavor}-finish.bin`);
    writeFileSync(path, data);
    await clearJournal(server);
    await injectFault(server, { op: "b2_finish_large_file", wire: "drop_after_commit" });
    const [model, file] = await bucket.uploadFile({ fileName: "finish-lost.bin" }, path);
    const entries = await journal(server);
    expect(only(entries, "b2_finish_large_file").map((e) => [e.status, e.fault ?? null])).toEqual([
      [200, "drop_after_commit"],
      [400, null],
    ]);
    expect(count(entries, "b2_get_file_info")).toBe(1);
    expect(model.fileName).toBe("finish-lost.bin");
    expect(model.action).toBe("upload");
    expect(await versionsOf(bucket, "finish-lost.bin")).toHaveLength(1);
    await verifyDownload(file, data);
  });

  it("X-Bz-Test-Mode fail_some_uploads: every upload ends stored exactly once", async () => {
    await clearFaults(server);
    const tested = client(flavor, server, { headers: { "X-Bz-Test-Mode": "fail_some_uploads" } });
    try {
      const [, b] = await tested.createBucket({ bucketName: uniqueName("failsome") });
      await clearJournal(server);
      const sent = new Map<string, Buffer>();
      for (let i = 0; i < 6; i++) {
        const data = randomBytes(200 + i);
        sent.set(`some-${i}.bin`, data);
        const [model, file] = await b.upload({ fileName: `some-${i}.bin` }, data);
        await verifyDownload(file, data, model.contentSha1);
      }
      const uploads = only(await journal(server), "b2_upload_file");
      const failed = uploads.filter((e) => e.status === 503);
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) {
        // The URL that failed is not used again.
        expect(uploads.filter((e) => e.seq > f.seq).map(urlId)).not.toContain(urlId(f));
      }
      for (const [name, data] of sent) expect((await versionsOf(b, name)).map((v) => v.contentSha1)).toEqual([sha1(data)]);
    } finally {
      await tested.close();
    }
  });

  it("X-Bz-Test-Mode force_cap_exceeded: 403 cap_exceeded, one upload call, nothing stored", async () => {
    await clearFaults(server);
    const tested = client(flavor, server, { headers: { "X-Bz-Test-Mode": "force_cap_exceeded" } });
    try {
      await tested.authorize();
      await clearJournal(server);
      const error = await failure(() => tested.bucket(bucketId).upload({ fileName: "forced.bin" }, randomBytes(10)));
      expect(error).toBeInstanceOf(Forbidden);
      expect((error as Forbidden).code).toBe("cap_exceeded");
      expect(only(await journal(server), "b2_upload_file")).toHaveLength(1);
      expect(await versionsOf(bucket, "forced.bin")).toEqual([]);
    } finally {
      await tested.close();
    }
    await roundTrip(bucket);
  });
});
