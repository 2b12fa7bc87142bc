import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
let bucket: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket();
});
afterEach(() => s.server.control.clearFaults());
afterAll(() => s.close());

const list = (): Promise<any> => s.call("b2_list_buckets", { accountId: s.accountId });

describe("status faults", () => {
  it("answer the given status, code and Retry-After for count requests after skip", async () => {
    await s.server.control.addFault({ op: "b2_list_buckets", status: 503, retryAfter: 2, count: 2, skip: 1 });
    expect((await list()).status).toBe(200);
    const first = await list();
    expect([first.status, first.body.code, first.headers.get("retry-after")]).toEqual([503, "service_unavailable", "2"]);
    expect((await list()).status).toBe(503);
    expect((await list()).status).toBe(200);
  });

  it("custom codes and the '*' wildcard; clearing removes them", async () => {
    await s.server.control.addFault({ op: "*", status: 429, code: "too_many_requests", message: "slow down", count: 10 });
    const r = await list();
    expect([r.status, r.body]).toEqual([429, { status: 429, code: "too_many_requests", message: "slow down" }]);
    await s.server.control.clearFaults();
    expect((await list()).status).toBe(200);
  });

  it("on uploads the body is consumed and nothing is stored", async () => {
    await s.server.control.addFault({ op: "b2_upload_file", status: 500 });
    const r = await s.upload(bucket.bucketId, "faulted.txt", "x".repeat(10_000));
    expect(r.status).toBe(500);
    expect((await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: "faulted" })).files).toEqual([]);
  });

  it("refuses bad fault specs", async () => {
    await expect(s.server.control.addFault({ op: "x", status: 200 })).rejects.toThrow(/400/);
    await expect(s.server.control.addFault({ op: "x", wire: "explode" as never })).rejects.toThrow(/400/);
  });
});

describe("wire faults", () => {
  it("drop_after_commit: the upload lands but the response is lost", async () => {
    await s.server.control.addFault({ op: "b2_upload_file", wire: "drop_after_commit" });
    await expect(s.upload(bucket.bucketId, "dropped.txt", "landed")).rejects.toThrow();
    const files = (await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: "dropped" })).files;
    expect(files.map((f: any) => f.contentSha1)).toEqual([sha1("landed")]);
    const j = (await s.server.control.journal()).filter((e) => e.op === "b2_upload_file").at(-1);
    expect(j).toMatchObject({ status: 200, fault: "drop_after_commit" });
  });

  it("reset_mid_body on an upload: connection cut, nothing stored", async () => {
    await s.server.control.addFault({ op: "b2_upload_file", wire: "reset_mid_body" });
    await expect(s.upload(bucket.bucketId, "reset.txt", "y".repeat(2_000_000))).rejects.toThrow();
    expect((await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: "reset" })).files).toEqual([]);
    const j = (await s.server.control.journal()).filter((e) => e.op === "b2_upload_file").at(-1);
    expect(j).toMatchObject({ status: 0, fault: "reset_mid_body" });
  });

  it("reset_mid_body on a download: half the body, then the connection drops", async () => {
    const f = await s.uploaded(bucket.bucketId, "half.bin", Buffer.alloc(1_000_000, 7));
    await s.server.control.addFault({ op: "b2_download_file_by_id", wire: "reset_mid_body" });
    const r = await fetch(`${s.url}/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`, { headers: { authorization: s.token } });
    expect(r.status).toBe(200);
    await expect(r.arrayBuffer()).rejects.toThrow();
  });

  it("stall delays the answer by stallMs", async () => {
    await s.server.control.addFault({ op: "b2_list_buckets", wire: "stall", stallMs: 400 });
    const t0 = Date.now();
    expect((await list()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });

  it("stall at body: half the body, a pause of stallMs, then the rest", async () => {
    const data = Buffer.alloc(200_000, 5);
    const f = await s.uploaded(bucket.bucketId, "stall.bin", data);
    await s.server.control.addFault({ op: "b2_download_file_by_id", wire: "stall", stallAt: "body", stallMs: 500 });
    const t0 = performance.now();
    const r = await fetch(`${s.url}/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`, { headers: { authorization: s.token } });
    const headersAt = performance.now() - t0;
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(headersAt).toBeLessThan(400);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(480);
    expect(bytes.equals(data)).toBe(true);
  });

  it("slow_body paces the response body at bytesPerSec", async () => {
    const f = await s.uploaded(bucket.bucketId, "slow.bin", Buffer.alloc(20_000, 1));
    await s.server.control.addFault({ op: "b2_download_file_by_id", wire: "slow_body", bytesPerSec: 40_000 });
    const t0 = Date.now();
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
    expect(d.bytes.length).toBe(20_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
});

describe("journal and clock", () => {
  it("records op, method, path, status, code and upload URL ids in order; clears", async () => {
    await s.server.control.clearJournal();
    const u = await s.uploadUrl(bucket.bucketId);
    await s.uploadTo(u, "j.txt", "j");
    await s.call("b2_get_file_info", { fileId: "bogus" });
    const j = await s.server.control.journal();
    expect(j.map((e) => e.op)).toEqual(["b2_get_upload_url", "b2_upload_file", "b2_get_file_info"]);
    expect(j[0]?.uploadUrlId).toBeDefined();
    expect(j[1]?.uploadUrlId).toBe(j[0]?.uploadUrlId);
    expect(u.uploadUrl.endsWith(`/${j[0]?.uploadUrlId}`)).toBe(true);
    expect(j[2]).toMatchObject({ status: 400, code: "bad_request", method: "POST", path: "/b2api/v4/b2_get_file_info" });
    expect(j[1]!.seq).toBeGreaterThan(j[0]!.seq);
  });

  it("the clock advances and reports its offset", async () => {
    const before = await s.server.control.clock();
    const after = await s.server.control.advanceClock(3600);
    expect(after.offsetSeconds - before.offsetSeconds).toBe(3600);
    expect(after.now - before.now).toBeGreaterThanOrEqual(3600_000);
    await s.login();
  });

  it("limits can be changed at run time", async () => {
    const l = await s.server.control.setLimits({ minPartSize: 1234 });
    expect(l["minPartSize"]).toBe(1234);
    const a = await s.authorize(s.server.keyId, s.server.key);
    expect(a.body.apiInfo.storageApi.absoluteMinimumPartSize).toBe(1234);
  });
});

describe("X-Bz-Test-Mode", () => {
  it("force_cap_exceeded refuses uploads with 403 cap_exceeded", async () => {
    const r = await s.upload(bucket.bucketId, "cap.txt", "c", { "x-bz-test-mode": "force_cap_exceeded" });
    expect([r.status, r.body.code]).toEqual([403, "cap_exceeded"]);
  });

  it("fail_some_uploads fails some uploads with 503 and lets others through", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await s.upload(bucket.bucketId, `some-${i}.txt`, "s", { "x-bz-test-mode": "fail_some_uploads" })).status);
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
  });

  it("expire_some_account_authorization_tokens answers some calls with expired_auth_token", async () => {
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${s.url}/b2api/v4/b2_list_buckets`, {
        method: "POST",
        headers: { authorization: s.token, "x-bz-test-mode": "expire_some_account_authorization_tokens" },
        body: JSON.stringify({ accountId: s.accountId }),
      });
      codes.push(r.status === 200 ? undefined : ((await r.json()) as any).code);
    }
    expect(codes).toContain("expired_auth_token");
    expect(codes).toContain(undefined);
  });
});
