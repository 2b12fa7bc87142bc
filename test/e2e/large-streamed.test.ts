/**
 * Large files streamed from disk: part sizes planned over the lanes, resume onto a file of
 * another part size, `parts.file` and uploadFile parts with `hex_digits_at_end`, and a file that
 * shrinks mid-upload.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError, type Awaiting, type AwaitingBucket } from "../../src/index.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");
const scratch = scratchDir("b2kit-streamed-");

let server: Server;
beforeAll(async () => {
  // Parts may be 1,000 bytes; B2 recommends 8,000-byte parts here.
  server = await startLocal({ minPartSize: 1000, recommendedPartSize: 8000, maxCopySize: 20_000 });
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: large files streamed from disk", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client(flavor, server, { concurrency: 4 });
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("streamed") });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("cuts a file under 4 recommended parts into 4 equal parts, one per lane, not 1,000-byte chunks", async () => {
    const data = randomBytes(20_000);
    const path = join(scratch, `${flavor}-balanced.bin`);
    writeFileSync(path, data);
    await clearJournal(server);
    // Stop before the finish, to read the part sizes of the unfinished file.
    await injectFault(server, { op: "b2_finish_large_file", status: 403, code: "cap_exceeded", count: 1 });
    try {
      await failure(() => bucket.uploadFile({ fileName: "balanced.bin" }, path));
    } finally {
      await clearFaults(server);
    }
    expect(count(await journal(server), "b2_upload_part")).toBe(4);
    const unfinished = (await collect(bucket.unfinishedFiles({ namePrefix: "balanced.bin" })))[0]?.[0];
    const sizes = (await collect(b2.file(unfinished?.fileId as string).parts().list())).map(([part]) => part.contentLength);
    expect(sizes).toEqual([5000, 5000, 5000, 5000]);
    // The rerun resumes with nothing left to send.
    await clearJournal(server);
    const [model, file] = await bucket.uploadFile({ fileName: "balanced.bin" }, path);
    expect(count(await journal(server), "b2_upload_part")).toBe(0);
    expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  it("uses about the recommended part size for a file of many of them, balanced over the lanes", async () => {
    const data = randomBytes(8000 * 8 + 123);
    const path = join(scratch, `${flavor}-recommended.bin`);
    writeFileSync(path, data);
    await clearJournal(server);
    const [, file] = await bucket.uploadFile({ fileName: "recommended.bin" }, path);
    // 9 parts at the recommended size make 12 when balanced over 4 lanes (5,344 bytes each).
    expect(count(await journal(server), "b2_upload_part")).toBe(12);
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  it("resumes onto an unfinished file cut into another part size, sending only its missing parts", async () => {
    const data = randomBytes(5000);
    const path = join(scratch, `${flavor}-resize.bin`);
    writeFileSync(path, data);
    // First run: 1,000-byte parts on one lane (recommended size equal to the chunk size).
    const first = client(flavor, server, { concurrency: 1, chunkSize: 1000 });
    try {
      await server.control.setLimits({ recommendedPartSize: 1000 });
      await injectFault(server, { op: "b2_upload_part", status: 403, code: "cap_exceeded", skip: 2, count: 1 });
      await failure(() => first.bucket(bucket.bucketId).uploadFile({ fileName: "resize.bin" }, path));
    } finally {
      await clearFaults(server);
      await server.control.setLimits({ recommendedPartSize: 8000 });
      await first.close();
    }
    // Second run plans 4 parts of 1,250 bytes, but keeps the unfinished file's 1,000.
    await clearJournal(server);
    const [model, file] = await bucket.uploadFile({ fileName: "resize.bin" }, path);
    const entries = await journal(server);
    expect(count(entries, "b2_start_large_file")).toBe(0);
    expect(count(entries, "b2_upload_part")).toBe(3);
    expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  it("parts.file streams a file as parts sent with hex_digits_at_end; finish and bytes check out", async () => {
    const data = randomBytes(2500);
    const path = join(scratch, `${flavor}-parts-file.bin`);
    writeFileSync(path, data);
    const [, large] = await bucket.createPart({ fileName: "parts-file.bin" });
    const parts = large.parts();
    await parts.file(path);
    const listed = [];
    for await (const [part] of parts.list()) listed.push({ n: part.partNumber, length: part.contentLength, sha1: part.contentSha1 });
    expect(listed).toEqual([
      { n: 1, length: 1000, sha1: sha1(data.subarray(0, 1000)) },
      { n: 2, length: 1000, sha1: sha1(data.subarray(1000, 2000)) },
      { n: 3, length: 500, sha1: sha1(data.subarray(2000)) },
    ]);
    const finished = await parts.finish();
    expect(finished.contentLength).toBe(2500);
    expect(Buffer.from(await b2.file(finished.fileId as string).download()).equals(data)).toBe(true);
  });

  it("a file written to while its parts stream is not finished: the large file is cancelled, the upload fails", async () => {
    const path = join(scratch, `${flavor}-rewritten.bin`);
    const data = randomBytes(3_000_000);
    writeFileSync(path, data);
    const big = client(flavor, server, { concurrency: 1, chunkSize: 1_000_000 });
    try {
      await server.control.setLimits({ recommendedPartSize: 1_000_000 });
      await injectFault(server, { op: "b2_upload_part", wire: "stall", stallMs: 300, count: 1 });
      await clearJournal(server);
      let rewritten = false;
      const error = await failure(() =>
        big.bucket(bucket.bucketId).uploadFile(
          {
            fileName: "rewritten.bin",
            // Same size, other bytes in the last part: every part alone still checks out at B2.
            onProgress: ({ bytes }) => {
              if (!rewritten && bytes > 0) {
                rewritten = true;
                const fd = openSync(path, "r+");
                writeSync(fd, randomBytes(1000), 0, 1000, 2_500_000);
                closeSync(fd);
              }
            },
          },
          path,
        ),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/changed while being uploaded/);
      const entries = await journal(server);
      expect(count(entries, "b2_finish_large_file")).toBe(0);
      expect(count(entries, "b2_cancel_large_file")).toBe(1);
      expect(await collect(bucket.unfinishedFiles({ namePrefix: "rewritten.bin" }))).toEqual([]);
      expect(await collect(bucket.fileNames({ prefix: "rewritten.bin" }))).toEqual([]);
    } finally {
      await clearFaults(server);
      await server.control.setLimits({ recommendedPartSize: 8000 });
      await big.close();
    }
  });

  it("a file that shrinks while its parts stream fails with a ValidationError, without retrying", async () => {
    const path = join(scratch, `${flavor}-shrinks.bin`);
    writeFileSync(path, randomBytes(3_000_000));
    const big = client(flavor, server, { concurrency: 1, chunkSize: 1_000_000 });
    try {
      await server.control.setLimits({ recommendedPartSize: 1_000_000 });
      // The first part is held 300 ms, so a (throttled) progress event comes while the file is still being read.
      await injectFault(server, { op: "b2_upload_part", wire: "stall", stallMs: 300, count: 1 });
      await clearJournal(server);
      let cut = false;
      const error = await failure(() =>
        big.bucket(bucket.bucketId).uploadFile(
          {
            fileName: "shrinks.bin",
            // After the first bytes leave, the file loses its last two megabytes.
            onProgress: ({ bytes }) => {
              if (!cut && bytes > 0) {
                cut = true;
                truncateSync(path, 500_000);
              }
            },
          },
          path,
        ),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/shrank/);
      expect(count(await journal(server), "b2_get_upload_part_url")).toBe(1);
    } finally {
      await clearFaults(server);
      await server.control.setLimits({ recommendedPartSize: 8000 });
      await big.close();
    }
  });
});

describe("Awaiting: uploadFile's part SHA-1s", () => {
  it("go with hex_digits_at_end (hashed while sent), and the SHA-1s B2 lists match each part's bytes", async () => {
    const sent: (string | null)[] = [];
    const recording: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (/b2_upload_part/.test(request.url)) sent.push(request.headers.get("x-bz-content-sha1"));
      return fetch(input, init);
    };
    const b2 = client("Awaiting", server, { concurrency: 2, fetch: recording });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("atend") });
      const data = randomBytes(24_000);
      const path = join(scratch, "atend.bin");
      writeFileSync(path, data);
      await injectFault(server, { op: "b2_finish_large_file", status: 403, code: "cap_exceeded", count: 1 });
      try {
        await failure(() => bucket.uploadFile({ fileName: "atend.bin" }, path));
      } finally {
        await clearFaults(server);
      }
      expect(sent.length).toBeGreaterThan(1);
      expect(new Set(sent)).toEqual(new Set(["hex_digits_at_end"]));
      const unfinished = (await collect(bucket.unfinishedFiles({ namePrefix: "atend.bin" })))[0]?.[0];
      const parts = (await collect(b2.file(unfinished?.fileId as string).parts().list())).map(([part]) => part);
      let offset = 0;
      for (const part of parts.sort((a, b) => a.partNumber - b.partNumber)) {
        expect(part.contentSha1).toBe(sha1(data.subarray(offset, offset + part.contentLength)));
        offset += part.contentLength;
      }
      expect(offset).toBe(data.length);
    } finally {
      await b2.close();
    }
  });
});
