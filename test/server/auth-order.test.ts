import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
beforeAll(async () => {
  s = await Session.start();
});
afterAll(() => s.close());

describe("authorization is checked before the request is validated (401 before 400)", () => {
  const invalid = { maxFileCount: "many" };

  it("JSON operations: no token is missing_auth_token, a bad one bad_auth_token, a good one gets the 400", async () => {
    const none = await s.call("b2_list_file_names", invalid, { token: null });
    expect([none.status, none.body.code]).toEqual([401, "missing_auth_token"]);
    const bad = await s.call("b2_list_file_names", invalid, { token: "4_not-a-token" });
    expect([bad.status, bad.body.code]).toEqual([401, "bad_auth_token"]);
    const good = await s.call("b2_list_file_names", invalid);
    expect([good.status, good.body.code]).toEqual([400, "bad_request"]);
  });

  it("holds for other operations and for the GET form", async () => {
    for (const op of ["b2_start_large_file", "b2_create_bucket", "b2_create_key", "b2_get_upload_url", "b2_copy_file", "b2_list_parts"]) {
      const r = await s.call(op, { nonsense: 1 }, { token: "4_not-a-token" });
      expect([op, r.status, r.body.code]).toEqual([op, 401, "bad_auth_token"]);
      const good = await s.call(op, { nonsense: 1 });
      expect([op, good.status]).toEqual([op, 400]);
    }
    const get = await s.call("b2_list_file_names", invalid, { token: null, method: "GET" });
    expect([get.status, get.body.code]).toEqual([401, "missing_auth_token"]);
  });

  it("malformed JSON with a bad token is still a 401", async () => {
    const r = await fetch(`${s.url}/b2api/v4/b2_list_buckets`, { method: "POST", headers: { authorization: "4_nope" }, body: "{nope" });
    expect([r.status, ((await r.json()) as any).code]).toEqual([401, "bad_auth_token"]);
  });

  it("an expired account token is expired_auth_token, not the body's 400", async () => {
    const t = await Session.start();
    try {
      await fetch(`${t.url}/__b2kit/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: 25 * 3600 }) });
      const r = await t.call("b2_list_file_names", invalid);
      expect([r.status, r.body.code]).toEqual([401, "expired_auth_token"]);
    } finally {
      await t.close();
    }
  });

  it("uploads: invalid headers with a bad token are 401, with the URL's token 400", async () => {
    const b = await s.bucket();
    const u = await s.uploadUrl(b.bucketId);
    const headers = { "content-type": "text/plain", "x-bz-content-sha1": "not-a-sha1" };
    const bad = await fetch(u.uploadUrl, { method: "POST", headers: { ...headers, authorization: "u4_nope" }, body: "x" });
    expect([bad.status, ((await bad.json()) as any).code]).toEqual([401, "bad_auth_token"]);
    const none = await fetch(u.uploadUrl, { method: "POST", headers, body: "x" });
    expect([none.status, ((await none.json()) as any).code]).toEqual([401, "missing_auth_token"]);
    const good = await fetch(u.uploadUrl, { method: "POST", headers: { ...headers, authorization: u.authorizationToken }, body: "x" });
    expect([good.status, ((await good.json()) as any).code]).toEqual([400, "bad_request"]);
  });

  it("upload parts: an invalid part number with a bad token is 401, with the URL's token 400", async () => {
    const b = await s.bucket();
    const f = await s.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: "big", contentType: "b2/x-auto" });
    const u = await s.ok("b2_get_upload_part_url", { fileId: f.fileId });
    const headers = { "x-bz-part-number": "zero", "x-bz-content-sha1": "do_not_verify" };
    const bad = await fetch(u.uploadUrl, { method: "POST", headers: { ...headers, authorization: "u4_nope" }, body: "x" });
    expect([bad.status, ((await bad.json()) as any).code]).toEqual([401, "bad_auth_token"]);
    const good = await fetch(u.uploadUrl, { method: "POST", headers: { ...headers, authorization: u.authorizationToken }, body: "x" });
    expect(good.status).toBe(400);
  });

  it("the 401s of downloads and uploads keep the bucket's CORS headers (a browser can read them)", async () => {
    const origin = "https://app.example.com";
    const b = await s.bucket(undefined, {
      corsRules: [{ corsRuleName: "browser", allowedOrigins: ["https"], allowedOperations: ["b2_download_file_by_id", "b2_download_file_by_name", "b2_upload_file"], allowedHeaders: ["*"], maxAgeSeconds: 60 }],
    });
    const f = await s.uploaded(b.bucketId, "c.txt", "cors");
    for (const path of [`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`, `/file/${b.bucketName}/c.txt`]) {
      const r = await fetch(`${s.url}${path}`, { headers: { origin, authorization: "4_nope" } });
      expect([path, r.status, r.headers.get("access-control-allow-origin")]).toEqual([path, 401, origin]);
    }
    const u = await s.uploadUrl(b.bucketId);
    const up = await s.uploadTo({ ...u, authorizationToken: "u4_nope" }, "x.txt", "x", { origin });
    expect([up.status, up.headers.get("access-control-allow-origin")]).toEqual([401, origin]);
  });
});
