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

const idOf = (uploadUrl: string): string => uploadUrl.split("/").at(-1) ?? "";
const lastEntry = async (op: string): Promise<any> => (await s.server.control.journal()).filter((e) => e.op === op).at(-1);

async function partUrl(): Promise<{ uploadUrl: string; authorizationToken: string }> {
  const f = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: `big-${Math.random()}`, contentType: "b2/x-auto" });
  return s.ok("b2_get_upload_part_url", { fileId: f.fileId });
}

const sendPart = (u: { uploadUrl: string; authorizationToken: string }, data: string): Promise<Response> =>
  fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": "1", "x-bz-content-sha1": sha1(data) }, body: data });

describe("faulted upload requests are journaled with the upload URL's id", () => {
  it("b2_upload_file with a status fault", async () => {
    await s.server.control.addFault({ op: "b2_upload_file", status: 503 });
    const u = await s.uploadUrl(bucket.bucketId);
    const r = await s.uploadTo(u, "f.txt", "data");
    expect(r.status).toBe(503);
    expect(await lastEntry("b2_upload_file")).toMatchObject({ status: 503, fault: "status:503", uploadUrlId: idOf(u.uploadUrl) });
  });

  it("b2_upload_part with a status fault", async () => {
    const u = await partUrl();
    await s.server.control.addFault({ op: "b2_upload_part", status: 500 });
    const r = await sendPart(u, "part");
    expect(r.status).toBe(500);
    expect(await lastEntry("b2_upload_part")).toMatchObject({ status: 500, fault: "status:500", uploadUrlId: idOf(u.uploadUrl) });
  });

  it("b2_upload_file and b2_upload_part with a wire fault (reset_mid_body)", async () => {
    await s.server.control.addFault({ op: "b2_upload_file", wire: "reset_mid_body" });
    const u = await s.uploadUrl(bucket.bucketId);
    await expect(s.uploadTo(u, "reset.txt", "y".repeat(2_000_000))).rejects.toThrow();
    await expect.poll(() => lastEntry("b2_upload_file")).toMatchObject({ fault: "reset_mid_body", uploadUrlId: idOf(u.uploadUrl) });

    const p = await partUrl();
    await s.server.control.addFault({ op: "b2_upload_part", wire: "reset_mid_body" });
    await expect(sendPart(p, "z".repeat(2_000_000))).rejects.toThrow();
    await expect.poll(() => lastEntry("b2_upload_part")).toMatchObject({ fault: "reset_mid_body", uploadUrlId: idOf(p.uploadUrl) });
  });

  it("the id is the one of the URL used, also when the request fails authentication", async () => {
    const u = await s.uploadUrl(bucket.bucketId);
    const r = await s.uploadTo({ ...u, authorizationToken: "u4_nope" }, "x.txt", "x");
    expect(r.status).toBe(401);
    expect(await lastEntry("b2_upload_file")).toMatchObject({ status: 401, uploadUrlId: idOf(u.uploadUrl) });
  });
});
