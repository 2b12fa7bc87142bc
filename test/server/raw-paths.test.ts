/**
 * The request target is taken literally: no dot-segment removal (B2 file names may hold `.` and `..` segments), and
 * odd targets (`//`, `http://[`, `*`, absolute-form) get B2-shaped answers, never a 500. Raw sockets, so no client
 * normalizes the path on the way.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
let bucket: any;
let port: number;
const ids: Record<string, string> = {};
const NAMES = ["x", "a/../x", "a/./x", "../y", "a/.."];

beforeAll(async () => {
  s = await Session.start();
  port = Number(new URL(s.url).port);
  bucket = await s.bucket();
  for (const name of NAMES) ids[name] = (await s.uploaded(bucket.bucketId, name, `I am ${name}`)).fileId;
});
afterAll(() => s?.close());

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request, written byte for byte as given (`target` is not touched by any URL parser). */
function raw(method: string, target: string, headers: Record<string, string> = { Authorization: s.token }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1", () => {
      const lines = Object.entries({ Host: "localhost", ...headers, Connection: "close" }).map(([k, v]) => `${k}: ${v}\r\n`);
      sock.write(`${method} ${target} HTTP/1.1\r\n${lines.join("")}\r\n`);
    });
    const chunks: Buffer[] = [];
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", reject);
    sock.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const out: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(":");
        out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers: out, body: rest.join("\r\n\r\n") });
    });
  });
}

/** A B2 error body: JSON {status, code, message} whose status matches the response's. */
function expectB2Error(r: Raw, status: number, code: string): void {
  expect(r.status).toBe(status);
  const body = JSON.parse(r.body) as { status: number; code: string; message: string };
  expect(body).toMatchObject({ status, code });
  expect(typeof body.message).toBe("string");
}

describe("download by name: the path is the literal (percent-decoded) name", () => {
  it.each([
    ["a/../x", "a/../x"],
    ["a/./x", "a/./x"],
    ["a/%2e%2e/x", "a/../x"],
    ["a/%2E/x", "a/./x"],
    ["a%2F..%2Fx", "a/../x"],
    ["../y", "../y"],
    ["%2e%2e/y", "../y"],
    ["a/..", "a/.."],
    ["x", "x"],
  ])("GET and HEAD /file/<bucket>/%s serve the file named %s", async (path, name) => {
    const get = await raw("GET", `/file/${bucket.bucketName}/${path}`);
    expect(get.status).toBe(200);
    expect(get.body).toBe(`I am ${name}`);
    expect(get.headers["x-bz-file-id"]).toBe(ids[name]);
    const head = await raw("HEAD", `/file/${bucket.bucketName}/${path}`);
    expect(head.status).toBe(200);
    expect(head.headers["x-bz-file-id"]).toBe(ids[name]);
    expect(head.headers["content-length"]).toBe(String(`I am ${name}`.length));
  });

  it.each(["b/../x", "a/b/../../x", "./x", "a/./../x", "a//x", "a/x/.."])("GET /file/<bucket>/%s is a 404 for that literal name, not a neighbour", async (path) => {
    expectB2Error(await raw("GET", `/file/${bucket.bucketName}/${path}`), 404, "not_found");
    const head = await raw("HEAD", `/file/${bucket.bucketName}/${path}`);
    expect(head.status).toBe(404);
  });

  it("the query is still read (overrides), and the journal records the literal path", async () => {
    await s.server.control.clearJournal();
    const r = await raw("GET", `/file/${bucket.bucketName}/a/../x?b2ContentType=text%2Fx-dots`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/x-dots");
    const entries = await s.server.control.journal();
    expect(entries.find((e) => e.op === "b2_download_file_by_name")).toMatchObject({ path: `/file/${bucket.bucketName}/a/../x`, status: 200 });
  });
});

describe("odd request targets: B2-shaped 4xx, never a 500", () => {
  it.each([
    ["GET", "//", 404, "not_found"],
    ["GET", "//x/y", 404, "not_found"],
    ["GET", "/b2api/v4/../v4/b2_list_buckets", 404, "not_found"],
    ["GET", "http://[", 400, "bad_request"],
    ["GET", "http://", 400, "bad_request"],
    ["GET", "*", 400, "bad_request"],
    ["OPTIONS", "*", 400, "bad_request"],
    ["GET", "ftp://h/file/b/x", 400, "bad_request"],
    ["GET", "garbage", 400, "bad_request"],
  ])("%s %s: %i %s", async (method, target, status, code) => {
    expectB2Error(await raw(method, target), status, code);
  });

  it("//x/y is a path, not host x", async () => {
    const r = await raw("GET", "//x/y");
    expect(JSON.parse(r.body).message).toContain("//x/y");
  });

  it("absolute-form targets route by their path (literally) and keep their query", async () => {
    const byName = await raw("GET", `http://localhost:${port}/file/${bucket.bucketName}/a/../x`);
    expect(byName.status).toBe(200);
    expect(byName.body).toBe("I am a/../x");
    const byId = await raw("GET", `http://localhost:${port}/b2api/v4/b2_download_file_by_id?fileId=${ids["x"]}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toBe("I am x");
    expectB2Error(await raw("GET", `http://[::1]:${port}/nope`), 404, "not_found");
  });

  it("query parameters of JSON operations still work (GET with a query string)", async () => {
    const r = await raw("GET", `/b2api/v4/b2_list_file_names?bucketId=${bucket.bucketId}&maxFileCount=2`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).files).toHaveLength(2);
  });

  it("control paths under /__b2kit/ keep working", async () => {
    const r = await raw("GET", "/__b2kit/clock", {});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty("now");
  });
});
