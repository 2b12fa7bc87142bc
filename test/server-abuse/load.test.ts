/**
 * Load through the SDK: many concurrent Awaiting clients (a third of them under B2's
 * `fail_some_uploads` test mode) mix small uploads, multi-part large files, listings, downloads
 * and deletes for a bounded time. No call may fail, and afterwards every acknowledged file that
 * was not deleted is listed and downloads with its SHA-1. Throughput figures: bench/server-load.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import { runLoad } from "./load-run.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer({ limits: { minPartSize: 1000, recommendedPartSize: 1000 } });
});
afterAll(async () => {
  await server?.close();
});

describe("server under SDK load", () => {
  it("16 clients for 10 s: nothing fails, every acknowledged file is present with the right SHA-1", { timeout: 60_000 }, async () => {
    const result = await runLoad({ url: server.url, keyId: server.keyId, key: server.key, clients: 16, seconds: 10, seed: 7 });
    expect(result.failures).toEqual([]);
    // With every third test-mode upload failing across 16 busy clients, five failures in a row for
    // one upload are rare but legitimate (uploads back off between URLs, so their attempts land on
    // the server's counter at random: about (1/3)^5 of test-mode uploads); they must stay rare.
    console.log(`load: ${result.operations} operations, ${result.testModeGiveUps} test-mode give-ups`);
    expect(result.testModeGiveUps).toBeLessThanOrEqual(Math.max(4, result.operations / 100));
    expect(result.operations).toBeGreaterThan(100);
    expect(result.kept.size).toBeGreaterThan(20);
    // Verification with a fresh client: listing and bytes.
    const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url });
    try {
      const bucket = b2.bucket(result.bucketId);
      const listed = new Map<string, string>();
      for await (const [model] of bucket.fileVersions({ maxFileCount: 1000 })) listed.set(model.fileId as string, model.fileName);
      for (const [fileId, expected] of result.kept) {
        expect(listed.get(fileId), `${expected.name} listed`).toBe(expected.name);
        const back = await b2.file(fileId).download();
        expect(result.sha1(back), expected.name).toBe(expected.sha1);
      }
      for (const fileId of result.deleted) expect(listed.has(fileId)).toBe(false);
    } finally {
      await b2.close();
    }
  });
});
