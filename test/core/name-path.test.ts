/**
 * Downloads by name of names with `.` and `..` segments: every URL parser on the way (node:http's `new URL`, fetch)
 * removes dot segments, so the SDK sends such a name's slashes as `%2F` and reaches that file, not a neighbour.
 * Both hierarchies, and both transports (node:http without a custom fetch, the client's fetch with one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError, type Awaiting, type AwaitingBucket } from "../../src/index.js";
import { encodeDownloadPath, encodeNamePath } from "../../src/core/encoding.js";
import { client, flavors, startLocal, text, uniqueName, type Server } from "../e2e/support.js";

const NAMES = ["x", "y", "a/../x", "a/./x", "./y", "../y", "a/..", "a/b/../../x", "dir/.hidden", "a..b/...", "a/b"];

describe("encodeNamePath", () => {
  it.each([
    ["dir one/a+b.txt", "dir%20one/a%2Bb.txt"],
    ["a/b/c", "a/b/c"],
    ["dir/.hidden", "dir/.hidden"],
    ["a..b/...", "a..b/..."],
    ["a/../x", "a%2F..%2Fx"],
    ["./y", ".%2Fy"],
    ["a/..", "a%2F.."],
    ["a b/./x", "a%20b%2F.%2Fx"],
  ])("%s -> %s", (name, path) => expect(encodeNamePath(name)).toBe(path));

  it.each(NAMES.filter((n) => n.includes("/")))("%s survives URL parsing and decodes back to the name", (name) => {
    const url = new URL(`http://h${encodeDownloadPath("bkt", name)}`);
    const m = /^\/file\/bkt\/(.+)$/.exec(url.pathname);
    expect(m && decodeURIComponent(m[1]!)).toBe(name);
  });
});

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

const transports = [
  ...flavors.map((flavor) => ({ flavor, label: `${flavor} (default transport)`, options: {} })),
  // A custom fetch: every request goes through it (openapi-fetch + fetch), not node:http.
  { flavor: "Awaiting" as const, label: "Awaiting (custom fetch)", options: { fetch: ((input, init) => fetch(input, init)) as typeof fetch } },
];

describe.each(transports)("$label: downloadByName of names with dot segments", ({ flavor, options }) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  let bucketName: string;
  beforeAll(async () => {
    b2 = client(flavor, server, options);
    bucketName = uniqueName("dots");
    [, bucket] = await b2.createBucket({ bucketName });
    for (const name of NAMES) await bucket.upload({ fileName: name }, text(`I am ${name}`));
  });
  afterAll(async () => {
    await b2.close();
  });

  it.each(NAMES)("%s: the right bytes", async (name) => {
    expect(new TextDecoder().decode(await b2.downloadByName(bucketName, name))).toBe(`I am ${name}`);
  });

  it("a ranged download by name of a/../x reads that file", async () => {
    expect(new TextDecoder().decode(await b2.downloadByName(bucketName, "a/../x", { range: "bytes=5-10" }))).toBe("a/../x");
  });

  it("a name with dot segments that does not exist is not found (not its neighbour)", async () => {
    await expect(async () => b2.downloadByName(bucketName, "b/../x")).rejects.toMatchObject({ status: 404 });
  });

  it("a//b is refused before any request (B2 names cannot contain '//')", async () => {
    await expect(async () => b2.downloadByName(bucketName, "a//b")).rejects.toBeInstanceOf(ValidationError);
  });

  it("a download-authorization URL built with encodeDownloadPath reaches a/../x", async () => {
    const grant = await bucket.downloadAuthorization({ fileNamePrefix: "a/", validDurationInSeconds: 60 });
    const auth = await b2.authorize();
    const url = new URL(`${auth.apiInfo.storageApi.downloadUrl}${encodeDownloadPath(bucketName, "a/../x")}`);
    url.searchParams.set("Authorization", grant.authorizationToken);
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("I am a/../x");
  });
});
