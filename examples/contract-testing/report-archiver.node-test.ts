/**
 * The same two contract tests with node:test, for projects that do not use vitest:
 *   node --import tsx --test examples/contract-testing/report-archiver.node-test.ts
 * (tsx only because this file is TypeScript; b2kit/testing itself is plain JavaScript.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Awaiting } from "b2kit";
import { startLocalServer, startMockServer, type LocalServer, type MockServer } from "b2kit/testing";
import { archiveReport, readReport } from "./report-archiver.js";

describe("against the Prism mock", () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMockServer();
  });
  after(() => mock?.stop());

  it("archiveReport sends spec-valid requests", async () => {
    const b2 = new Awaiting("any-key-id", "any-application-key", { authUrl: mock.url, maxAttempts: 1 });
    try {
      await archiveReport(b2, "4a48fe8875c6214145260818", "2026-11-23", "all systems nominal\n");
    } finally {
      await b2.close();
    }
    assert.deepEqual(mock.violations(), []);
    assert.deepEqual(
      mock.requests.map((r) => r.operation),
      ["b2_authorize_account", "b2_get_upload_url", "b2_upload_file"],
    );
  });
});

describe("against the local server", () => {
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer();
  });
  after(() => server?.stop());

  it("archives a report and reads it back", async () => {
    const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url });
    try {
      const [bucket] = await b2.createBucket({ bucketName: "reports-node-test" });
      await archiveReport(b2, bucket.bucketId, "2026-11-23", "all systems nominal\n");
      assert.equal(await readReport(b2, "reports-node-test", "2026-11-23"), "all systems nominal\n");
    } finally {
      await b2.close();
    }
  });
});
