/** Conformance: files, versions, listings, copies, ranges and names, through both hierarchies. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RangeNotSatisfiable, type Awaiting, type AwaitingBucket } from "../../src/index.js";
import { clearJournal, client, count, failure, flavors, journal, startLocal, text, uniqueName, type Server } from "./support.js";

const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: files", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let bucketName: string;
  beforeAll(async () => {
    b2 = client(flavor, server);
    bucketName = uniqueName("files");
    [, bucket] = await b2.createBucket({ bucketName });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("uploads 1 KiB: id and name back, exact length and SHA-1, bytes round-trip", async () => {
    const data = randomBytes(1024);
    const [model, file] = await bucket.upload({ fileName: "one-kib.bin" }, data);
    expect(model.fileId).toBeTruthy();
    expect(model.fileName).toBe("one-kib.bin");
    expect(model.contentLength).toBe(1024);
    expect(model.contentSha1).toBe(sha1(data));
    expect(Buffer.from(await file.download()).equals(data)).toBe(true);
  });

  it("round-trips content type and custom file info through get-file-info and download headers", async () => {
    const [model, file] = await bucket.upload(
      { fileName: "meta.json", contentType: "application/json", fileInfo: { color: "blue", "note": "a b+c/自由" }, contentDisposition: "attachment" },
      text('{"a":1}'),
    );
    const info = await file.get();
    expect(info.contentType).toBe("application/json");
    expect(info.contentLength).toBe(7);
    expect(info.contentSha1).toBe(model.contentSha1);
    expect(info.fileInfo).toMatchObject({ color: "blue", note: "a b+c/自由", "b2-content-disposition": "attachment" });
    const auth = await b2.authorize();
    const response = await fetch(`${auth.apiInfo.storageApi.downloadUrl}/b2api/v4/b2_download_file_by_id?fileId=${model.fileId}`, {
      headers: { Authorization: auth.authorizationToken },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-bz-content-sha1")).toBe(model.contentSha1);
    expect(response.headers.get("x-bz-info-color")).toBe("blue");
    expect(response.headers.get("content-disposition")).toBe("attachment");
  });

  it("two versions: by name gives the newest, by id the one asked; deleting one leaves the other", async () => {
    const [v1, f1] = await bucket.upload({ fileName: "versioned.txt" }, text("version one"));
    const [v2, f2] = await bucket.upload({ fileName: "versioned.txt" }, text("version two"));
    expect(new TextDecoder().decode(await b2.downloadByName(bucketName, "versioned.txt"))).toBe("version two");
    expect(new TextDecoder().decode(await f1.download())).toBe("version one");
    await f2.delete(v2.fileName);
    const versions = [];
    for await (const [model] of bucket.fileVersions({ prefix: "versioned.txt" })) versions.push(model.fileId);
    expect(versions).toEqual([v1.fileId]);
    expect(new TextDecoder().decode(await b2.downloadByName(bucketName, "versioned.txt"))).toBe("version one");
  });

  it("hide: names listing omits it; versions list the marker then the original; by id still downloads", async () => {
    const [original, file] = await bucket.upload({ fileName: "hidden/secret.txt" }, text("still here"));
    const [marker] = await bucket.hide("hidden/secret.txt");
    expect(marker.action).toBe("hide");
    const names = [];
    for await (const [model] of bucket.fileNames({ prefix: "hidden/" })) names.push(model.fileName);
    expect(names).toEqual([]);
    const versions = [];
    for await (const [model] of bucket.fileVersions({ prefix: "hidden/" })) versions.push([model.action, model.fileId]);
    expect(versions).toEqual([
      ["hide", marker.fileId],
      ["upload", original.fileId],
    ]);
    expect(new TextDecoder().decode(await file.download())).toBe("still here");
  });

  it("lists by prefix and delimiter, and paginates with tiny pages in UTF-8 byte order, each name once", async () => {
    const [, b] = await b2.createBucket({ bucketName: uniqueName("list") });
    const names = ["a/1.txt", "a/2.txt", "a/deep/3.txt", "b.txt", "c/x.txt", "Z.txt", "é.txt", "😀.txt", "a/\u00ff.txt"];
    for (const name of names) await b.upload({ fileName: name }, text(name));
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const paged = [];
    for await (const [model] of b.fileNames({ maxFileCount: 2 })) paged.push(model.fileName);
    expect(paged).toEqual(byBytes);
    const prefixed = [];
    for await (const [model] of b.fileNames({ prefix: "a/" })) prefixed.push(model.fileName);
    expect(prefixed).toEqual(byBytes.filter((n) => n.startsWith("a/")));
    const top = [];
    for await (const [model] of b.fileNames({ delimiter: "/" })) top.push([model.fileName, model.action]);
    expect(top).toEqual([
      ["Z.txt", "upload"],
      ["a/", "folder"],
      ["b.txt", "upload"],
      ["c/", "folder"],
      ["é.txt", "upload"],
      ["😀.txt", "upload"],
    ]);
  });

  it("copies server-side: a new id, the same SHA-1 and length, and no upload call", async () => {
    const data = randomBytes(3000);
    const [source, file] = await bucket.upload({ fileName: "copy-src.bin" }, data);
    await clearJournal(server);
    const [copy] = await file.copy({ fileName: "copy-dst.bin" });
    expect(copy.fileId).not.toBe(source.fileId);
    expect(copy.contentSha1).toBe(source.contentSha1);
    expect(copy.contentLength).toBe(3000);
    const entries = await journal(server);
    expect(count(entries, "b2_copy_file")).toBe(1);
    expect(count(entries, "b2_upload_file") + count(entries, "b2_upload_part")).toBe(0);
  });

  it("downloads exactly the bytes of a range; an unsatisfiable range is a 416", async () => {
    const data = randomBytes(500);
    const [, file] = await bucket.upload({ fileName: "ranged.bin" }, data);
    expect(Buffer.from(await file.download({ range: "bytes=100-199" })).equals(data.subarray(100, 200))).toBe(true);
    expect(Buffer.from(await file.download({ range: "bytes=450-" })).equals(data.subarray(450))).toBe(true);
    const error = await failure(() => file.download({ range: "bytes=600-700" }));
    expect(error).toBeInstanceOf(RangeNotSatisfiable);
  });

  it("keeps names with spaces, +, %, unicode, emoji and / intact through upload, listing and download by name", async () => {
    const names = ["with space.txt", "plus+sign.txt", "100% done.txt", "自由/文件.txt", "emoji 😀/ok.txt", "deep/a b/c+d%e.txt"];
    for (const name of names) {
      const [model] = await bucket.upload({ fileName: name }, text(`content of ${name}`));
      expect(model.fileName).toBe(name);
      expect(new TextDecoder().decode(await b2.downloadByName(bucketName, name))).toBe(`content of ${name}`);
    }
    const listed = new Set<string>();
    for await (const [model] of bucket.fileNames()) listed.add(model.fileName);
    for (const name of names) expect(listed.has(name)).toBe(true);
  });

  it("reports monotone progress ending at the total on upload and download", async () => {
    const data = randomBytes(5000);
    const up: number[] = [];
    const [, file] = await bucket.upload({ fileName: "progress.bin", onProgress: (e) => up.push(e.bytes) }, data);
    expect(up.at(-1)).toBe(5000);
    expect([...up].sort((a, b) => a - b)).toEqual(up);
    const down: number[] = [];
    await file.download({ onProgress: (e) => down.push(e.bytes) });
    expect(down.at(-1)).toBe(5000);
    expect([...down].sort((a, b) => a - b)).toEqual(down);
  });
});
