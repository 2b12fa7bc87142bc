/** Conformance: large files — parts, concurrency, copy_part, resume, streams, parallel ranged downloads. */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting, type AwaitingBucket } from "../../src/index.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");
const scratch = scratchDir("b2kit-large-");

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

/** A fetch that counts how many requests of one operation are in flight at once (Awaiting only). */
function countingFetch(operation: string): { fetch: typeof fetch; peak: () => number } {
  let now = 0;
  let peak = 0;
  return {
    peak: () => peak,
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.includes(operation)) return fetch(input, init);
      now++;
      peak = Math.max(peak, now);
      try {
        const response = await fetch(input, init);
        await new Promise((r) => setTimeout(r, 20)); // hold the slot long enough to overlap
        return response;
      } finally {
        now--;
      }
    },
  };
}

describe.each(flavors)("%s: large files", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client(flavor, server);
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("large") });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("uploads in several parts and a finish: contentSha1 none, large_file_sha1 whole-file, bytes round-trip", async () => {
    const data = randomBytes(4500);
    const path = join(scratch, `${flavor}-multi.bin`);
    writeFileSync(path, data);
    await clearJournal(server);
    const [model, file] = await bucket.uploadFile({ fileName: "multi.bin", fileInfo: { origin: "test" }, contentType: "application/x-test" }, path);
    const entries = await journal(server);
    expect(count(entries, "b2_upload_part")).toBe(5);
    expect(count(entries, "b2_finish_large_file")).toBe(1);
    expect(model.contentSha1).toBe("none");
    expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
    expect(model.fileInfo["origin"]).toBe("test");
    expect(model.fileInfo["src_last_modified_millis"]).toMatch(/^\d+$/);
    expect(model.contentType).toBe("application/x-test");
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  it("assembles a large file from one uploaded part and one copied part", async () => {
    const head = randomBytes(1500);
    const [, source] = await bucket.upload({ fileName: "copy-source.bin" }, randomBytes(2000));
    const sourceBytes = Buffer.from(await source.download());
    const [, large] = await bucket.createPart({ fileName: "assembled.bin" });
    const parts = large.parts();
    await parts.data(head);
    await parts.copy({ sourceFileId: source.fileId, range: "bytes=0-1199" });
    const finished = await parts.finish();
    expect(finished.contentLength).toBe(2700);
    const bytes = Buffer.from(await b2.file(finished.fileId as string).download());
    expect(bytes.equals(Buffer.concat([head, sourceBytes.subarray(0, 1200)]))).toBe(true);
  });

  it("copies a source over the single-copy limit as a large file of b2_copy_part ranges, server-side", async () => {
    const data = randomBytes(25_000); // the test server's single-copy limit is 20,000 bytes
    const [source, file] = await bucket.upload({ fileName: "big-source.bin", fileInfo: { kept: "yes" } }, data);
    await clearJournal(server);
    const [copy, copied] = await file.copy({ fileName: "big-copy.bin" });
    const entries = await journal(server);
    expect(count(entries, "b2_copy_file")).toBe(1);
    expect(count(entries, "b2_copy_part")).toBe(25);
    expect(count(entries, "b2_upload_file") + count(entries, "b2_upload_part")).toBe(0);
    expect(copy.fileId).not.toBe(source.fileId);
    expect(copy.fileInfo).toMatchObject({ kept: "yes", large_file_sha1: sha1(data) });
    expect(Buffer.from(await copied.download()).equals(data)).toBe(true);
    const [ranged, rangedFile] = await file.copy({ fileName: "big-range.bin", range: "bytes=1000-22999" });
    expect(ranged.contentLength).toBe(22_000);
    expect(Buffer.from(await rangedFile.download()).equals(data.subarray(1000, 23_000))).toBe(true);
  });

  it("uploads a stream of unknown length as the right bytes and SHA-1", async () => {
    const chunks = Array.from({ length: 7 }, (_, i) => randomBytes(333 + i * 101));
    const whole = Buffer.concat(chunks);
    function* source(): Generator<Uint8Array> {
      for (const c of chunks) yield c;
    }
    // Blocking pulls the generator's chunks from the calling thread, one at a time.
    const [model, file] = await bucket.uploadStream({ fileName: "streamed.bin" }, source());
    expect(model.contentLength).toBe(whole.length);
    const bytes = Buffer.from(await file.download());
    expect(sha1(bytes)).toBe(sha1(whole));
  });

  it("resumes: after parts 1-2 of 5 landed and the upload failed, a rerun sends only the missing parts", async () => {
    const data = randomBytes(5000);
    const path = join(scratch, `${flavor}-resume.bin`);
    writeFileSync(path, data);
    const one = client(flavor, server, { concurrency: 1 });
    try {
      await injectFault(server, { op: "b2_upload_part", status: 403, code: "cap_exceeded", skip: 2, count: 1 });
      const error = await failure(() => one.bucket(bucket.bucketId).uploadFile({ fileName: "resume.bin" }, path));
      expect((error as { status: number }).status).toBe(403);
      await clearFaults(server);
      await clearJournal(server);
      const [model, file] = await one.bucket(bucket.bucketId).uploadFile({ fileName: "resume.bin" }, path);
      const entries = await journal(server);
      expect(count(entries, "b2_start_large_file")).toBe(0);
      expect(count(entries, "b2_upload_part")).toBe(3);
      expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
      expect(Buffer.from(await file.download()).equals(data)).toBe(true);
    } finally {
      await clearFaults(server);
      await one.close();
    }
  });

  it("never resumes onto an unfinished file with different content", async () => {
    const path = join(scratch, `${flavor}-other.bin`);
    writeFileSync(path, randomBytes(3000));
    await injectFault(server, { op: "b2_upload_part", status: 403, code: "cap_exceeded", skip: 1, count: 1 });
    const one = client(flavor, server, { concurrency: 1 });
    try {
      await failure(() => one.bucket(bucket.bucketId).uploadFile({ fileName: "other.bin" }, path));
      await clearFaults(server);
      const changed = randomBytes(3000);
      writeFileSync(path, changed);
      await clearJournal(server);
      const [, file] = await one.bucket(bucket.bucketId).uploadFile({ fileName: "other.bin" }, path);
      expect(count(await journal(server), "b2_start_large_file")).toBe(1);
      expect(Buffer.from(await file.download()).equals(changed)).toBe(true);
    } finally {
      await clearFaults(server);
      await one.close();
    }
  });

  it("save() writes the file only after the SHA-1 checks out; a failed save leaves nothing behind", async () => {
    const data = randomBytes(3500);
    const [, file] = await bucket.upload({ fileName: "save-me.bin" }, data);
    const dir = mkdtempSync(join(scratch, "save-"));
    await file.save({}, join(dir, "ok.bin"));
    expect(readFileSync(join(dir, "ok.bin")).equals(data)).toBe(true);
    await injectFault(server, { op: "b2_download_file_by_id", status: 500, count: 100 });
    try {
      await failure(() => file.save({}, join(dir, "broken.bin")));
    } finally {
      await clearFaults(server);
    }
    expect(readdirSync(dir)).toEqual(["ok.bin"]);
  });
});

describe("Awaiting: concurrency of transfers", () => {
  it("keeps one part in flight with concurrency 1 and several with concurrency 4", async () => {
    const path = join(scratch, "concurrency.bin");
    writeFileSync(path, randomBytes(6000));
    const setup = client("Awaiting", server);
    const [model] = await setup.createBucket({ bucketName: uniqueName("conc") });
    await setup.close();
    for (const [concurrency, check] of [
      [1, (peak: number) => expect(peak).toBe(1)],
      [4, (peak: number) => expect(peak).toBeGreaterThan(1)],
    ] as const) {
      const counter = countingFetch("b2_upload_part");
      const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url, chunkSize: 1000, concurrency, fetch: counter.fetch });
      await b2.bucket(model.bucketId).uploadFile({ fileName: `c${concurrency}.bin` }, path);
      check(counter.peak());
      await b2.close();
    }
  });

  it("downloads a large file as several ranged GETs in flight and reassembles it exactly", async () => {
    const data = randomBytes(8000);
    const setup = client("Awaiting", server);
    const [, bucket] = await setup.createBucket({ bucketName: uniqueName("ranges") });
    const [model] = await bucket.upload({ fileName: "big.bin" }, data);
    await setup.close();
    const counter = countingFetch("b2_download_file_by_id");
    const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url, chunkSize: 1000, concurrency: 4, fetch: counter.fetch });
    const bytes = await b2.file(model.fileId as string).download();
    expect(Buffer.from(bytes).equals(data)).toBe(true);
    expect(counter.peak()).toBeGreaterThan(1);
    await b2.close();
  });
});
