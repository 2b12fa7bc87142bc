/** Cancellation with AbortSignal (Awaiting): in-flight requests stop; a started large file stays resumable. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwaitingBucket } from "../../src/index.js";
import { clearFaults, client, count, failure, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-cancel-");
let server: Server;
let bucket: AwaitingBucket;
const b2 = () => client("Awaiting", server, { concurrency: 2 });

beforeAll(async () => {
  server = await startLocal();
  [, bucket] = await b2().createBucket({ bucketName: uniqueName("cancel") });
});
afterAll(async () => {
  await server?.close();
});

describe("AbortSignal", () => {
  it("aborts a large upload mid-way, leaves the large file unfinished, and a rerun resumes it", async () => {
    const path = join(scratch, "abort-upload.bin");
    const data = randomBytes(8000);
    writeFileSync(path, data);
    await injectFault(server, { op: "b2_upload_part", wire: "stall", stallMs: 3000, skip: 2, count: 10 });
    const controller = new AbortController();
    const client = b2();
    const started = Date.now();
    const pending = client.bucket(bucket.bucketId).uploadFile({ fileName: "abort.bin", signal: controller.signal }, path);
    setTimeout(() => controller.abort(new Error("user cancelled")), 300);
    const error = await failure(() => pending);
    expect((error as Error).message).toBe("user cancelled");
    expect(Date.now() - started).toBeLessThan(2500); // did not wait for the stalled parts
    await clearFaults(server);
    const unfinished = [];
    for await (const [model] of client.bucket(bucket.bucketId).unfinishedFiles()) unfinished.push(model.fileName);
    expect(unfinished).toContain("abort.bin");
    const [model, file] = await client.bucket(bucket.bucketId).uploadFile({ fileName: "abort.bin" }, path);
    expect(model.contentLength).toBe(8000);
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
    expect(count(await journal(server), "b2_start_large_file")).toBe(1);
  });

  it("aborts a download: the promise rejects at once and save() leaves no file", async () => {
    const [, file] = await bucket.upload({ fileName: "abort-download.bin" }, randomBytes(6000));
    await injectFault(server, { op: "b2_download_file_by_id", wire: "stall", stallMs: 3000, count: 10 });
    const dir = mkdtempSync(join(scratch, "dl-"));
    const controller = new AbortController();
    const pending = file.save({ signal: controller.signal }, join(dir, "out.bin"));
    setTimeout(() => controller.abort(new Error("stop")), 200);
    const started = Date.now();
    expect(((await failure(() => pending)) as Error).message).toBe("stop");
    expect(Date.now() - started).toBeLessThan(2000);
    await clearFaults(server);
    expect(readdirSync(dir)).toEqual([]);
  });

  // Each step of an upload that talks to B2 stops on an abort, not only the transfers.
  it.each([
    ["b2_list_unfinished_large_files", "uploadFile"],
    ["b2_start_large_file", "uploadFile"],
    ["b2_get_upload_part_url", "uploadFile"],
    ["b2_finish_large_file", "uploadFile"],
    ["b2_get_upload_url", "upload"],
  ] as const)("an abort while %s stalls rejects at once (%s) and sends nothing more", async (op, method) => {
    const path = join(scratch, `stalled-${op}.bin`);
    const data = randomBytes(8000);
    writeFileSync(path, data);
    // A fresh client: no pooled upload URLs.
    const fresh = client("Awaiting", server, { concurrency: 2 });
    const target = fresh.bucket(bucket.bucketId);
    await fresh.authorize();
    await injectFault(server, { op, wire: "stall", stallMs: 4000, count: 10 });
    const before = (await journal(server)).length;
    const controller = new AbortController();
    const started = Date.now();
    const settings = { fileName: `stalled-${op}.bin`, signal: controller.signal };
    const pending = method === "upload" ? target.upload(settings, data) : target.uploadFile(settings, path);
    setTimeout(() => controller.abort(new Error("user cancelled")), 300);
    const error = await failure(() => pending);
    expect((error as Error).message).toBe("user cancelled");
    expect(Date.now() - started).toBeLessThan(2500); // did not wait for the stalled step
    const after = (await journal(server)).slice(before).map((e) => e.op);
    await clearFaults(server);
    // Nothing that would come after the stalled step was sent.
    const later = { b2_list_unfinished_large_files: "b2_start_large_file", b2_start_large_file: "b2_get_upload_part_url", b2_get_upload_part_url: "b2_upload_part", b2_finish_large_file: "b2_get_file_info", b2_get_upload_url: "b2_upload_file" }[op];
    expect(after).not.toContain(later);
    await fresh.close();
  });

  it("rejects immediately with an already-aborted signal and sends nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("never started"));
    const before = (await journal(server)).length;
    const error = await failure(() => bucket.upload({ fileName: "never.txt", signal: controller.signal }, new Uint8Array(10)));
    expect((error as Error).message).toBe("never started");
    const entries = (await journal(server)).slice(before);
    expect(count(entries, "b2_upload_file")).toBe(0);
  });
});
