/** b2kit/testing itself: the mock keeps clients on loopback and records verdicts; both servers stop cleanly. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundledSpecPath, startLocalServer, startMockServer } from "../../src/testing/index.js";

const repoSpec = fileURLToPath(new URL("../../spec/b2.yaml", import.meta.url));
const basic = `Basic ${Buffer.from("id:key").toString("base64")}`;

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

it("finds the bundled spec from the sources and from the built package", async () => {
  expect(bundledSpecPath).toBe(repoSpec);
  // What users import: the package's own exports map, resolved to dist/.
  const built = (await import("b2kit/testing")) as { bundledSpecPath: string };
  expect(built.bundledSpecPath).toBe(repoSpec);
});

describe("startMockServer", () => {
  it("rewrites B2 hosts to itself, records each request's operation and verdict, and stops once", async () => {
    const mock = await startMockServer();
    try {
      const auth = (await (await fetch(`${mock.url}/b2api/v4/b2_authorize_account`, { headers: { authorization: basic } })).json()) as {
        apiInfo: { storageApi: { apiUrl: string; downloadUrl: string } };
      };
      expect(auth.apiInfo.storageApi.apiUrl).toBe(mock.url);
      expect(auth.apiInfo.storageApi.downloadUrl).toBe(mock.url);
      const upload = (await (
        await fetch(`${mock.url}/b2api/v4/b2_get_upload_url`, { method: "POST", headers: { authorization: "t", "content-type": "application/json" }, body: JSON.stringify({ bucketId: "4a48fe8875c6214145260818" }) })
      ).json()) as { uploadUrl: string };
      expect(upload.uploadUrl.startsWith(`${mock.url}/`)).toBe(true);
      // A body the spec forbids, and a download by name (binary body passed through untouched).
      await fetch(`${mock.url}/b2api/v4/b2_list_buckets`, { method: "POST", headers: { authorization: "t", "content-type": "application/json" }, body: "{}" });
      const file = await fetch(`${mock.url}/file/some-bucket/a/b.txt`, { headers: { authorization: "t" } });
      expect(file.status).toBe(200);
      await file.arrayBuffer();

      expect(mock.requests.map((r) => [r.operation, r.status, r.violations.length > 0])).toEqual([
        ["b2_authorize_account", 200, false],
        ["b2_get_upload_url", 200, false],
        ["b2_list_buckets", 400, true],
        ["b2_download_file_by_name", 200, false],
      ]);
      expect(mock.violations()[0]?.violations[0]).toMatchObject({ severity: "Error", code: "required", location: ["request", "body"] });
      mock.reset();
      expect(mock.requests).toEqual([]);
    } finally {
      await Promise.all([mock.stop(), mock.stop()]);
    }
    expect(mock.child.exitCode !== null || mock.child.signalCode !== null).toBe(true);
    expect(await answers(mock.url)).toBe(false);
  });
});

describe("startLocalServer", () => {
  it("serves its master key and stops once", async () => {
    const server = await startLocalServer();
    const res = await fetch(`${server.url}/b2api/v4/b2_authorize_account`, { headers: { authorization: `Basic ${Buffer.from(`${server.keyId}:${server.key}`).toString("base64")}` } });
    expect(res.status).toBe(200);
    await Promise.all([server.stop(), server.stop()]);
    expect(await answers(server.url)).toBe(false);
  });
});
