import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, encodeName, sha1 } from "./support.js";

let s: Session;
let bucket: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket("files-bucket-1");
});
afterAll(() => s.close());

describe("upload", () => {
  it("stores bytes with exact length, SHA-1 and MD5, and round-trips info", async () => {
    const data = randomBytes(1024);
    const f = await s.uploaded(bucket.bucketId, "dir/one.bin", data, { "content-type": "application/octet-stream", "x-bz-info-src_last_modified_millis": "123", "x-bz-info-Color": "bl%C3%BC+e" });
    expect(f).toMatchObject({ action: "upload", contentLength: 1024, contentSha1: sha1(data), fileName: "dir/one.bin", fileInfo: { src_last_modified_millis: "123", color: "blü e" } });
    const info = await s.ok("b2_get_file_info", { fileId: f.fileId });
    expect(info).toEqual(f);
    const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
    expect(d.status).toBe(200);
    expect(d.bytes.equals(data)).toBe(true);
    expect(d.headers.get("x-bz-content-sha1")).toBe(sha1(data));
    expect(d.headers.get("x-bz-info-color")).toBe("bl%C3%BC%20e");
  });

  it("verifies SHA-1: wrong hex refused, hex_digits_at_end and do_not_verify accepted", async () => {
    const wrong = await s.upload(bucket.bucketId, "bad.txt", "abc", { "x-bz-content-sha1": "0".repeat(40) });
    expect(wrong.status).toBe(400);
    const atEnd = await s.upload(bucket.bucketId, "end.txt", `abcd${sha1("abcd")}`, { "x-bz-content-sha1": "hex_digits_at_end" });
    expect(atEnd.body).toMatchObject({ contentLength: 4, contentSha1: sha1("abcd") });
    const badEnd = await s.upload(bucket.bucketId, "end.txt", `abcd${"1".repeat(40)}`, { "x-bz-content-sha1": "hex_digits_at_end" });
    expect(badEnd.status).toBe(400);
    const unverified = await s.upload(bucket.bucketId, "nv.txt", "abcd", { "x-bz-content-sha1": "do_not_verify" });
    expect(unverified.body.contentSha1).toBe(`unverified:${sha1("abcd")}`);
    const versions = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId, prefix: "bad.txt" });
    expect(versions.files).toEqual([]);
  });

  it("infers b2/x-auto types and refuses bad names and missing headers", async () => {
    expect((await s.uploaded(bucket.bucketId, "auto.json", "{}", { "content-type": "b2/x-auto" })).contentType).toBe("application/json");
    expect((await s.upload(bucket.bucketId, "a//b", "x")).status).toBe(400);
    expect((await s.upload(bucket.bucketId, "/lead", "x")).status).toBe(400);
    expect((await s.upload(bucket.bucketId, "ctl\u0001", "x")).status).toBe(400);
    const u = await s.uploadUrl(bucket.bucketId);
    const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "content-type": "text/plain", "x-bz-content-sha1": sha1("x") }, body: "x" });
    expect(r.status).toBe(400);
  });

  it("refuses an upload token on another upload URL, and account tokens on upload URLs", async () => {
    const a = await s.uploadUrl(bucket.bucketId);
    const b = await s.uploadUrl(bucket.bucketId);
    expect(a.uploadUrl).not.toBe(b.uploadUrl);
    expect((await s.uploadTo({ uploadUrl: a.uploadUrl, authorizationToken: b.authorizationToken }, "x.txt", "x")).status).toBe(401);
    expect((await s.uploadTo({ uploadUrl: a.uploadUrl, authorizationToken: s.token }, "x.txt", "x")).status).toBe(401);
  });
});

describe("names and encoding", () => {
  const names = ["with space.txt", "plus+sign.txt", "per%cent.txt", "自由/unicode.txt", "emoji 🎉.txt", "a/b/c/d.txt"];
  it.each(names)("%s survives upload, listing and download by name", async (name) => {
    const f = await s.uploaded(bucket.bucketId, name, `content of ${name}`);
    expect(f.fileName).toBe(name);
    const listed = await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: name });
    expect(listed.files.map((x: any) => x.fileName)).toEqual([name]);
    const d = await s.download(`/file/${bucket.bucketName}/${encodeName(name)}`);
    expect(d.bytes.toString()).toBe(`content of ${name}`);
    expect(decodeURIComponent(d.headers.get("x-bz-file-name") ?? "")).toBe(name);
  });

  it("accepts + as space in X-Bz-File-Name", async () => {
    const f = await s.uploaded(bucket.bucketId, "ignored", "x", { "x-bz-file-name": "plus+as+space.txt" });
    expect(f.fileName).toBe("plus as space.txt");
  });
});

describe("versions, hide, delete, listing", () => {
  it("two versions: by name gives the newest, by id the one asked; delete one leaves the other", async () => {
    const b = await s.bucket();
    const v1 = await s.uploaded(b.bucketId, "doc.txt", "one");
    const v2 = await s.uploaded(b.bucketId, "doc.txt", "two");
    expect((await s.download(`/file/${b.bucketName}/doc.txt`)).bytes.toString()).toBe("two");
    expect((await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${v1.fileId}`)).bytes.toString()).toBe("one");
    const versions = await s.ok("b2_list_file_versions", { bucketId: b.bucketId });
    expect(versions.files.map((f: any) => f.fileId)).toEqual([v2.fileId, v1.fileId]);
    await s.ok("b2_delete_file_version", { fileName: "doc.txt", fileId: v2.fileId });
    expect((await s.download(`/file/${b.bucketName}/doc.txt`)).bytes.toString()).toBe("one");
    const gone = await s.call("b2_delete_file_version", { fileName: "doc.txt", fileId: v2.fileId });
    expect([gone.status, gone.body.code]).toEqual([400, "file_not_present"]);
  });

  it("hide: names listing omits the file, versions show the marker first, by-id still works", async () => {
    const b = await s.bucket();
    const f = await s.uploaded(b.bucketId, "secret.txt", "s");
    const hide = await s.ok("b2_hide_file", { bucketId: b.bucketId, fileName: "secret.txt" });
    expect(hide).toMatchObject({ action: "hide", contentType: "application/x-bz-hide-marker", contentLength: 0 });
    // As recorded from B2: the hashes of no bytes, and no SSE or Object Lock fields on a marker.
    expect([hide.contentSha1, hide.contentMd5]).toEqual(["da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e"]);
    for (const field of ["fileRetention", "legalHold", "serverSideEncryption"]) expect(hide, field).not.toHaveProperty(field);
    expect((await s.ok("b2_list_file_names", { bucketId: b.bucketId })).files).toEqual([]);
    const versions = (await s.ok("b2_list_file_versions", { bucketId: b.bucketId })).files;
    expect(versions.map((x: any) => x.action)).toEqual(["hide", "upload"]);
    expect((await s.download(`/file/${b.bucketName}/secret.txt`)).status).toBe(404);
    expect((await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`)).status).toBe(200);
    const again = await s.call("b2_hide_file", { bucketId: b.bucketId, fileName: "secret.txt" });
    expect([again.status, again.body.code]).toEqual([400, "already_hidden"]);
    const none = await s.call("b2_hide_file", { bucketId: b.bucketId, fileName: "nothing.txt" });
    expect([none.status, none.body.code]).toEqual([400, "no_such_file"]);
  });

  it("lists in UTF-8 byte order with prefix, delimiter folders and tiny pages visiting every name once", async () => {
    const b = await s.bucket();
    const names = ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "Z.txt", "é.txt", "日本.txt", "😀.txt", "ｚ.txt"];
    for (const n of names) await s.uploaded(b.bucketId, n, n);
    const bytesOrder = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const seen: string[] = [];
    let start: string | undefined;
    do {
      const page = await s.ok("b2_list_file_names", { bucketId: b.bucketId, maxFileCount: 2, ...(start ? { startFileName: start } : {}) });
      seen.push(...page.files.map((f: any) => f.fileName));
      start = page.nextFileName ?? undefined;
    } while (start);
    expect(seen).toEqual(bytesOrder);
    const top = await s.ok("b2_list_file_names", { bucketId: b.bucketId, delimiter: "/" });
    expect(top.files.filter((f: any) => f.action === "folder").map((f: any) => f.fileName)).toEqual(["b/"]);
    const inB = await s.ok("b2_list_file_names", { bucketId: b.bucketId, prefix: "b/", delimiter: "/" });
    expect(inB.files.map((f: any) => [f.fileName, f.action])).toEqual([["b/1.txt", "upload"], ["b/2.txt", "upload"], ["b/c/", "folder"]]);
    const tooMany = await s.call("b2_list_file_names", { bucketId: b.bucketId, maxFileCount: 10_001 });
    expect(tooMany.status).toBe(400);
  });

  it("pages versions by startFileName + startFileId", async () => {
    const b = await s.bucket();
    for (let i = 0; i < 5; i++) await s.uploaded(b.bucketId, "same.txt", `v${i}`);
    await s.uploaded(b.bucketId, "tail.txt", "t");
    const seen: string[] = [];
    let next: { n: string; id: string } | undefined;
    do {
      const page = await s.ok("b2_list_file_versions", { bucketId: b.bucketId, maxFileCount: 2, ...(next ? { startFileName: next.n, startFileId: next.id } : {}) });
      seen.push(...page.files.map((f: any) => f.fileId));
      next = page.nextFileName ? { n: page.nextFileName, id: page.nextFileId } : undefined;
    } while (next);
    expect(seen.length).toBe(6);
    expect(new Set(seen).size).toBe(6);
  });
});

describe("copy", () => {
  it("copies whole, ranged, and with REPLACE metadata; COPY with contentType is refused", async () => {
    const b = await s.bucket();
    const src = await s.uploaded(b.bucketId, "src.txt", "0123456789", { "x-bz-info-k": "v" });
    const whole = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "copy.txt" });
    expect(whole).toMatchObject({ action: "copy", contentSha1: src.contentSha1, contentLength: 10, fileInfo: { k: "v" }, contentType: "text/plain" });
    expect(whole.fileId).not.toBe(src.fileId);
    const ranged = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "part.txt", range: "bytes=2-4" });
    expect((await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${ranged.fileId}`)).bytes.toString()).toBe("234");
    const replaced = await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "r.json", metadataDirective: "REPLACE", contentType: "application/json", fileInfo: { x: "y" } });
    expect(replaced).toMatchObject({ contentType: "application/json", fileInfo: { x: "y" } });
    expect((await s.call("b2_copy_file", { sourceFileId: src.fileId, fileName: "bad", metadataDirective: "COPY", contentType: "text/plain" })).status).toBe(400);
    expect((await s.call("b2_copy_file", { sourceFileId: src.fileId, fileName: "bad", metadataDirective: "REPLACE" })).status).toBe(400);
  });

  it("refuses copies above the simple copy limit with source_too_large", async () => {
    const t = await Session.start({ limits: { maxCopySize: 5 } });
    try {
      const b = await t.bucket();
      const src = await t.uploaded(b.bucketId, "big.txt", "0123456789");
      const r = await t.call("b2_copy_file", { sourceFileId: src.fileId, fileName: "c.txt" });
      expect([r.status, r.body.code]).toEqual([400, "source_too_large"]);
    } finally {
      await t.close();
    }
  });
});
