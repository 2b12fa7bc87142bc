/**
 * b2-* file infos and download overrides are served as real headers, so the server holds them to
 * those headers' grammars when they come in (400, nothing stored) instead of failing every later
 * download with a 500; a content type must be something a header can carry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
let bucket: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket("served-headers-1");
});
afterAll(() => s.close());

const NON_ASCII_DISPOSITION = 'attachment; filename="自由.txt"';

describe("values served as headers", () => {
  it("an upload whose b2-* info breaks its header's grammar is refused with 400 and not stored", async () => {
    for (const [key, value] of [
      ["b2-content-disposition", NON_ASCII_DISPOSITION],
      ["b2-content-language", "en\r\nX-Evil: 1"],
      ["b2-expires", "tomorrow"],
      ["b2-cache-control", "max-age=\u00ff"],
    ] as const) {
      const r = await s.upload(bucket.bucketId, "bad-info.txt", "data", { [`x-bz-info-${key}`]: encodeURIComponent(value) });
      expect([r.status, r.body?.code], key).toEqual([400, "bad_request"]);
      expect(r.body?.message, key).toContain(key);
    }
    const listed = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId, prefix: "bad-info" });
    expect(listed.files).toEqual([]);
  });

  it("a non-ASCII file name goes in filename*, and that file downloads with it (GET and HEAD)", async () => {
    const value = "attachment; filename*=UTF-8''%E8%87%AA%E7%94%B1.txt";
    const file = await s.uploaded(bucket.bucketId, "good-info.txt", "data", { "x-bz-info-b2-content-disposition": encodeURIComponent(value) });
    for (const method of ["GET", "HEAD"]) {
      const r = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${file.fileId}`, {}, method);
      expect([r.status, r.headers.get("content-disposition")]).toEqual([200, value]);
    }
  });

  it("b2_start_large_file and b2_copy_file refuse such info too; a content type a header cannot carry is refused", async () => {
    const start = await s.call("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big.bin", contentType: "b2/x-auto", fileInfo: { "b2-content-disposition": NON_ASCII_DISPOSITION } });
    expect([start.status, start.body?.code]).toEqual([400, "bad_request"]);
    const type = await s.call("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "big.bin", contentType: "text/plain\r\nX-Evil: 1" });
    expect([type.status, type.body?.code]).toEqual([400, "bad_request"]);
    const source = await s.uploaded(bucket.bucketId, "source.txt", "data");
    const copy = await s.call("b2_copy_file", { sourceFileId: source.fileId, fileName: "copy.txt", metadataDirective: "REPLACE", contentType: "text/plain", fileInfo: { "b2-expires": "0" } });
    expect([copy.status, copy.body?.code]).toEqual([400, "bad_request"]);
  });

  it("a download override or download authorization that breaks its header's grammar is a 400, not a 500", async () => {
    await s.uploaded(bucket.bucketId, "plain.txt", "data");
    const path = `/file/${bucket.bucketName}/plain.txt`;
    for (const query of [`b2ContentDisposition=${encodeURIComponent(NON_ASCII_DISPOSITION)}`, "b2ContentLanguage=en%0D%0AX-Evil%3A%201", "b2ContentType=text"]) {
      for (const method of ["GET", "HEAD"]) {
        const r = await s.download(`${path}?${query}`, {}, method);
        expect(r.status, `${method} ${query}`).toBe(400);
      }
    }
    const auth = await s.call("b2_get_download_authorization", { bucketId: bucket.bucketId, fileNamePrefix: "", validDurationInSeconds: 60, b2ContentDisposition: NON_ASCII_DISPOSITION });
    expect([auth.status, auth.body?.code]).toEqual([400, "bad_request"]);
    const fine = await s.download(`${path}?b2ContentDisposition=${encodeURIComponent('inline; filename="x.txt"')}`);
    expect([fine.status, fine.headers.get("content-disposition")]).toEqual([200, 'inline; filename="x.txt"']);
  });

  it("a bucket's Cache-Control info must be a Cache-Control value", async () => {
    const r = await s.call("b2_create_bucket", { accountId: s.accountId, bucketName: "served-headers-2", bucketType: "allPrivate", bucketInfo: { "Cache-Control": "max-age=\u00e9" } });
    expect([r.status, r.body?.code]).toEqual([400, "bad_request"]);
  });
});
