import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
let bucket: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket();
});
afterAll(() => s.close());

const BAD = ["abc", "12.5", "-1", "1e12", " 1637248673875", "", "12345678901234567890"];

describe("src_last_modified_millis must be base-10 digits", () => {
  it("b2_start_large_file refuses other values with 400 bad_request, naming the field", async () => {
    for (const value of BAD) {
      const r = await s.call("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big", contentType: "b2/x-auto", fileInfo: { src_last_modified_millis: value } });
      expect([value, r.status, r.body.code]).toEqual([value, 400, "bad_request"]);
      expect(r.body.message).toMatch(/src_last_modified_millis/);
    }
    // Keys are case-insensitive (stored lower-case): the rule follows.
    const upper = await s.call("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big", contentType: "b2/x-auto", fileInfo: { SRC_LAST_MODIFIED_MILLIS: "soon" } });
    expect(upper.status).toBe(400);
  });

  it("b2_start_large_file accepts digits", async () => {
    const r = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big", contentType: "b2/x-auto", fileInfo: { src_last_modified_millis: "1637248673875" } });
    expect(r.fileInfo).toEqual({ src_last_modified_millis: "1637248673875" });
  });

  it("b2_upload_file applies the same rule to X-Bz-Info-src_last_modified_millis", async () => {
    for (const value of ["abc", "12.5", "-1"]) {
      const r = await s.upload(bucket.bucketId, "u.txt", "u", { "x-bz-info-src_last_modified_millis": value });
      expect([value, r.status, r.body.code]).toEqual([value, 400, "bad_request"]);
    }
    const ok = await s.uploaded(bucket.bucketId, "u.txt", "u", { "x-bz-info-src_last_modified_millis": "1637248673875" });
    expect(ok.fileInfo).toEqual({ src_last_modified_millis: "1637248673875" });
  });

  it("b2_copy_file with metadataDirective REPLACE applies it to the new fileInfo", async () => {
    const f = await s.uploaded(bucket.bucketId, "c.txt", "c");
    const bad = await s.call("b2_copy_file", { sourceFileId: f.fileId, fileName: "c2.txt", metadataDirective: "REPLACE", contentType: "text/plain", fileInfo: { src_last_modified_millis: "yesterday" } });
    expect([bad.status, bad.body.code]).toEqual([400, "bad_request"]);
    const ok = await s.call("b2_copy_file", { sourceFileId: f.fileId, fileName: "c2.txt", metadataDirective: "REPLACE", contentType: "text/plain", fileInfo: { src_last_modified_millis: "1" } });
    expect(ok.status).toBe(200);
  });
});
