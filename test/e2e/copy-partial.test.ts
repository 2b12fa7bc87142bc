/**
 * File.copy over the single-copy limit (b2_copy_part ranges, server-side): a range of a large
 * source must not inherit the source's large_file_sha1 (its download would fail the SHA-1 check),
 * REPLACE keeps the caller's fileInfo as given, and ranges B2 does not copy (`bytes=-N`,
 * `bytes=N-`) are refused before anything is sent.
 */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Awaiting, type AwaitingBucket, type AwaitingFile, Forbidden, ValidationError } from "../../src/index.js";
import { scratchDir } from "../support/scratch.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";

const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");
const scratch = scratchDir("b2kit-copy-partial-");
const data = randomBytes(30_000); // over the test server's single-copy limit of 20,000 bytes

let server: Server;
beforeAll(async () => {
  server = await startLocal({ minPartSize: 1000, recommendedPartSize: 8000, maxCopySize: 20_000 });
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: copying part of a large file as b2_copy_part ranges", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let large: AwaitingFile;
  beforeAll(async () => {
    b2 = client(flavor, server, { chunkSize: 8000 });
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("copy-partial") });
    const path = join(scratch, `${flavor}-source.bin`);
    writeFileSync(path, data);
    const [model, file] = await bucket.uploadFile({ fileName: "large-source.bin", fileInfo: { a: "1" } }, path);
    expect(model.fileInfo["large_file_sha1"]).toBe(sha1(data));
    large = file;
  });
  afterAll(async () => {
    await b2.close();
  });

  it("a COPY of bytes=0-24999 downloads as exactly those bytes: the source's info without its large_file_sha1", async () => {
    await clearJournal(server);
    const [model, copied] = await large.copy({ fileName: "range-copy.bin", range: "bytes=0-24999" });
    expect(count(await journal(server), "b2_copy_part")).toBeGreaterThan(1);
    expect(model.contentLength).toBe(25_000);
    expect(model.fileInfo["a"]).toBe("1");
    expect(model.fileInfo["large_file_sha1"]).toBeUndefined();
    expect(Buffer.from(await copied.download()).equals(data.subarray(0, 25_000))).toBe(true);
  });

  it("a COPY of the whole source keeps large_file_sha1, and downloads checked against it", async () => {
    const [model, copied] = await large.copy({ fileName: "whole-copy.bin", range: "bytes=0-29999" });
    expect(model.fileInfo).toMatchObject({ a: "1", large_file_sha1: sha1(data) });
    expect(Buffer.from(await copied.download()).equals(data)).toBe(true);
  });

  it("REPLACE takes the caller's fileInfo as given, whole or ranged", async () => {
    const [whole, wholeFile] = await large.copy({ fileName: "replace-whole.bin", metadataDirective: "REPLACE", contentType: "text/x-r", fileInfo: { r: "2" } });
    expect(whole.fileInfo).toEqual({ r: "2" });
    expect(whole.contentType).toBe("text/x-r");
    expect(Buffer.from(await wholeFile.download()).equals(data)).toBe(true);
    const [part, partFile] = await large.copy({
      fileName: "replace-range.bin",
      range: "bytes=2000-26999",
      metadataDirective: "REPLACE",
      contentType: "text/x-r",
      fileInfo: { r: "3" },
    });
    expect(part.fileInfo).toEqual({ r: "3" });
    expect(Buffer.from(await partFile.download()).equals(data.subarray(2000, 27_000))).toBe(true);
  });

  it("parts of about the recommended size, balanced over the lanes; a failed part cancels the copy's large file", async () => {
    await clearJournal(server);
    await large.copy({ fileName: "sized-copy.bin" });
    // 30,000 bytes toward 8,000-byte parts over 4 lanes: 4 parts, not 30 of the 1,000-byte minimum.
    expect(count(await journal(server), "b2_copy_part")).toBe(4);
    await clearJournal(server);
    await injectFault(server, { op: "b2_copy_part", status: 403, code: "cap_exceeded", skip: 1, count: 1 });
    try {
      expect(await failure(() => large.copy({ fileName: "failed-copy.bin" }))).toBeInstanceOf(Forbidden);
    } finally {
      await clearFaults(server);
    }
    expect(count(await journal(server), "b2_cancel_large_file")).toBe(1);
    const unfinished: string[] = [];
    for await (const [model] of bucket.unfinishedFiles({ namePrefix: "failed-copy" })) unfinished.push(model.fileName);
    expect(unfinished).toEqual([]);
  });

  it("bytes=-N and bytes=N- (which B2 does not copy) are refused with ValidationError before any request", async () => {
    const [, simple] = await bucket.upload({ fileName: "simple-source.bin" }, data);
    await clearJournal(server);
    for (const [file, range] of [
      [large, "bytes=-25000"],
      [large, "bytes=1000-"],
      [simple, "bytes=-25000"],
      [simple, "bytes=1000-"],
    ] as const) {
      const error = await failure(() => file.copy({ fileName: "refused.bin", range }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/invalid range/);
    }
    const entries = await journal(server);
    expect(count(entries, "b2_copy_file") + count(entries, "b2_copy_part") + count(entries, "b2_start_large_file")).toBe(0);
  });
});
