/**
 * A rerun of an interrupted uploadFile resumes only a large file started with the same settings:
 * other content type or file info (the old ones would be stored), another SSE-C key (every part
 * would be refused) start a new large file instead; the same settings still resume.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Awaiting, AwaitingBucket, UploadSettings } from "../../src/index.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-resume-settings-");
const key1 = randomBytes(32).toString("base64");
const key2 = randomBytes(32).toString("base64");

let server: Server;
beforeAll(async () => {
  server = await startLocal({ minPartSize: 1000, recommendedPartSize: 2000, maxCopySize: 20_000 });
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: resume needs the same settings", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client(flavor, server, { concurrency: 1, chunkSize: 2000 });
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("resume-settings") });
  });
  afterAll(async () => {
    await b2.close();
  });

  /** A first run of `first` that fails after two parts, then a rerun with `second`: the rerun's journal. */
  async function interruptedThenRerun(name: string, first: Omit<UploadSettings, "fileName">, second: Omit<UploadSettings, "fileName">) {
    const path = join(scratch, `${flavor}-${name}`);
    const data = randomBytes(8000);
    writeFileSync(path, data);
    await injectFault(server, { op: "b2_upload_part", status: 403, code: "cap_exceeded", skip: 2, count: 1 });
    try {
      await failure(() => bucket.uploadFile({ ...first, fileName: name }, path));
    } finally {
      await clearFaults(server);
    }
    await clearJournal(server);
    const [model, file] = await bucket.uploadFile({ ...second, fileName: name }, path);
    return { model, file, data, entries: await journal(server) };
  }

  it("another content type and file info: a new large file carrying the new ones", async () => {
    const { model, entries } = await interruptedThenRerun(
      "meta.bin",
      { contentType: "text/plain", fileInfo: { version: "1" }, cacheControl: "max-age=60" },
      { contentType: "application/x-new", fileInfo: { version: "2" }, cacheControl: "no-store" },
    );
    expect(count(entries, "b2_start_large_file")).toBe(1);
    expect(count(entries, "b2_upload_part")).toBe(4);
    expect(model.contentType).toBe("application/x-new");
    expect(model.fileInfo).toMatchObject({ version: "2", "b2-cache-control": "no-store" });
  });

  it("another SSE-C key: a new large file, readable with the new key", async () => {
    const { file, data, entries } = await interruptedThenRerun(
      "ssec.bin",
      { serverSideEncryption: { mode: "SSE-C", customerKey: key1 } },
      { serverSideEncryption: { mode: "SSE-C", customerKey: key2 } },
    );
    expect(count(entries, "b2_start_large_file")).toBe(1);
    expect(Buffer.from(await file.download({ serverSideEncryption: { customerKey: key2 } })).equals(data)).toBe(true);
  });

  it("the same settings (SSE-C key included) still resume, sending only the missing parts", async () => {
    const same = { contentType: "text/plain", fileInfo: { version: "1" }, serverSideEncryption: { mode: "SSE-C", customerKey: key1 } } as const;
    const { file, data, entries } = await interruptedThenRerun("same.bin", same, same);
    expect(count(entries, "b2_start_large_file")).toBe(0);
    expect(count(entries, "b2_upload_part")).toBe(2);
    expect(Buffer.from(await file.download({ serverSideEncryption: { customerKey: key1 } })).equals(data)).toBe(true);
  });
});
