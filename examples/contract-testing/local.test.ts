/** Stateful contract test: a round trip through the local B2 server, which keeps what it is sent. */
import { Awaiting } from "b2kit";
import { startLocalServer, type LocalServer } from "b2kit/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { archiveReport, readReport, reportName } from "./report-archiver.js";

let server: LocalServer;
let b2: Awaiting;
beforeAll(async () => {
  server = await startLocalServer();
  b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url });
});
afterAll(async () => {
  await b2?.close();
  await server?.stop();
});

it("archives a report and reads it back", async () => {
  const [bucketModel, bucket] = await b2.createBucket({ bucketName: "reports-round-trip" });
  const fileId = await archiveReport(b2, bucketModel.bucketId, "2026-11-23", "all systems nominal\n");

  expect(await readReport(b2, "reports-round-trip", "2026-11-23")).toBe("all systems nominal\n");
  const names: string[] = [];
  for await (const [model] of bucket.fileNames({ prefix: "reports/" })) names.push(model.fileName);
  expect(names).toEqual([reportName("2026-11-23")]);
  const info = await b2.file(fileId).get();
  expect(info.contentType).toBe("text/plain");
  expect(info.fileInfo).toMatchObject({ "report-day": "2026-11-23" });
});
