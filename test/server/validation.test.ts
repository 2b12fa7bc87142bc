import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
beforeAll(async () => {
  s = await Session.start();
});
afterAll(() => s.close());

describe("request validation from spec/b2.yaml", () => {
  it("a missing required field is 400 bad_request naming the field", async () => {
    const r = await s.call("b2_create_bucket", { accountId: s.accountId, bucketType: "allPrivate" });
    expect([r.status, r.body.code]).toEqual([400, "bad_request"]);
    expect(r.body.message).toMatch(/bucketName/);
  });

  it("a wrongly typed field is 400 naming the field", async () => {
    const b = await s.bucket();
    const r = await s.call("b2_list_file_names", { bucketId: b.bucketId, maxFileCount: "many" });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/maxFileCount/);
  });

  it("optional fields sent as null are accepted", async () => {
    const b = await s.bucket();
    const r = await s.call("b2_list_file_names", { bucketId: b.bucketId, startFileName: null, maxFileCount: null, prefix: null, delimiter: null });
    expect(r.status).toBe(200);
  });

  it("malformed JSON, unknown operations and unknown paths get B2 error bodies", async () => {
    const bad = await fetch(`${s.url}/b2api/v4/b2_list_buckets`, { method: "POST", headers: { authorization: s.token }, body: "{nope" });
    expect([bad.status, ((await bad.json()) as any).code]).toEqual([400, "bad_json"]);
    const unknown = await fetch(`${s.url}/b2api/v4/b2_fly`, { method: "POST", body: "{}" });
    expect([unknown.status, ((await unknown.json()) as any).code]).toEqual([404, "not_found"]);
    const elsewhere = await fetch(`${s.url}/../../etc/passwd`);
    expect(elsewhere.status).toBe(404);
  });

  it("upload headers are validated against the spec's header parameters, naming the header", async () => {
    const b = await s.bucket();
    const sha = await s.upload(b.bucketId, "h.txt", "h", { "x-bz-content-sha1": "not-a-sha1" });
    expect(sha.status).toBe(400);
    expect(sha.body.message).toMatch(/x-bz-content-sha1/i);
    const u = await s.uploadUrl(b.bucketId);
    const noName = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "content-type": "text/plain", "x-bz-content-sha1": "do_not_verify" }, body: "x" });
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as any).message).toMatch(/x-bz-file-name/i);
  });

  it("oversized headers get a B2 error body, and the server keeps answering", async () => {
    const r = await fetch(`${s.url}/b2api/v4/b2_list_buckets`, { method: "POST", headers: { "x-big": "x".repeat(40_000) }, body: "{}" });
    expect(r.status).toBe(431);
    expect(((await r.json()) as any).code).toBe("bad_request");
    expect((await s.call("b2_list_buckets", { accountId: s.accountId })).status).toBe(200);
  });

  it("GET forms: query strings are coerced to the schema's types (integers, arrays)", async () => {
    const b = await s.bucket(undefined, { bucketType: "allPublic" });
    for (const n of ["x1", "x2", "x3"]) await s.uploaded(b.bucketId, n, n);
    const page = await s.call("b2_list_file_names", { bucketId: b.bucketId, maxFileCount: "2" }, { method: "GET" });
    expect(page.status).toBe(200);
    expect(page.body.files.map((f: any) => f.fileName)).toEqual(["x1", "x2"]);
    expect(page.body.nextFileName).toBe("x3");
    const listed = await s.call("b2_list_buckets", { accountId: s.accountId, bucketTypes: "allPublic" }, { method: "GET" });
    expect(listed.status).toBe(200);
    expect(listed.body.buckets.every((x: any) => x.bucketType === "allPublic")).toBe(true);
    expect((await s.call("b2_list_file_names", { bucketId: b.bucketId, maxFileCount: "many" }, { method: "GET" })).status).toBe(400);
  });

  it("answers the GET form of notification rules with the query validated", async () => {
    const r = await s.call("b2_get_bucket_notification_rules", {}, { method: "GET" });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/bucketId/);
  });
});

describe("off the caller's thread", () => {
  it("keeps answering while this thread is blocked in a synchronous call", () => {
    // spawnSync blocks this thread until the child finishes; the child's request must be answered meanwhile.
    const script = `fetch(${JSON.stringify(`${s.url}/b2api/v4/b2_list_buckets`)}, { method: "POST", headers: { authorization: ${JSON.stringify(s.token)} }, body: JSON.stringify({ accountId: ${JSON.stringify(s.accountId)} }) }).then((r) => console.log(r.status))`;
    const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(out.stdout.trim()).toBe("200");
  });

  it("keeps answering while this thread waits in Atomics.wait for a worker's request (Blocking-style)", () => {
    const shared = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const flag = new Int32Array(workerData.buffer);
       fetch(workerData.url).then((r) => { Atomics.store(flag, 1, r.status); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); });`,
      { eval: true, workerData: { buffer: shared.buffer, url: `${s.url}/__b2kit/clock` } },
    );
    try {
      expect(Atomics.wait(shared, 0, 0, 15_000)).toBe("ok");
      expect(Atomics.load(shared, 1)).toBe(200);
    } finally {
      void worker.terminate();
    }
  });
});
