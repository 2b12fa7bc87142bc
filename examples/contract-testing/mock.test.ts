/**
 * Stateless contract test: the Prism mock of the B2 spec answers with the spec's examples and
 * checks every request. The test asserts that the code under test sends valid requests for the
 * operations it is expected to use; the answers' content is example data.
 */
import { Awaiting } from "b2kit";
import { startMockServer, type MockServer } from "b2kit/testing";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { archiveReport, readReport } from "./report-archiver.js";

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(() => mock?.stop());
beforeEach(() => mock.reset());

it("archiveReport sends spec-valid requests to the operations it needs", async () => {
  // Any credentials: the mock checks that they are sent, not what they are.
  const b2 = new Awaiting("any-key-id", "any-application-key", { authUrl: mock.url, maxAttempts: 1 });
  try {
    const fileId = await archiveReport(b2, "4a48fe8875c6214145260818", "2026-11-23", "all systems nominal\n");
    expect(fileId).toBeTruthy();
  } finally {
    await b2.close();
  }
  expect(mock.violations()).toEqual([]);
  expect(mock.requests.map((r) => r.operation)).toEqual(["b2_authorize_account", "b2_get_upload_url", "b2_upload_file"]);
});

it("readReport downloads by name with a valid request", async () => {
  const b2 = new Awaiting("any-key-id", "any-application-key", { authUrl: mock.url, maxAttempts: 1 });
  try {
    // The answer is the spec's example body; what matters here is the request.
    expect(typeof (await readReport(b2, "reports-bucket", "2026-11-23"))).toBe("string");
  } finally {
    await b2.close();
  }
  expect(mock.violations()).toEqual([]);
  expect(mock.requests.map((r) => [r.operation, r.path])).toEqual([
    ["b2_authorize_account", "/b2api/v4/b2_authorize_account"],
    ["b2_download_file_by_name", "/file/reports-bucket/reports/2026-11-23.txt"],
  ]);
});

it("the mock reports a request that breaks the contract", async () => {
  // A request the spec forbids (b2_list_buckets needs accountId), sent by hand: the check above can fail.
  const res = await fetch(`${mock.url}/b2api/v4/b2_list_buckets`, { method: "POST", headers: { authorization: "token", "content-type": "application/json" }, body: "{}" });
  expect(res.status).toBe(400);
  expect(mock.violations().map((r) => r.operation)).toEqual(["b2_list_buckets"]);
});
