/** `b2kit ls | upload | download | rm | hide | cp | url` against the local server; bytes checked on disk and through the SDK. */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting, type AwaitingBucket } from "../../src/index.js";
import type { LocalB2Server } from "../../src/server/index.js";
import { b2kit, ensureBuilt, ok, okJson, serverWithEnv } from "./support.js";

let server: LocalB2Server;
let env: Record<string, string>;
let sdk: Awaiting;
let scratch: string;
let bucket: AwaitingBucket;
let other: AwaitingBucket;
const big = randomBytes(1_500_000);
const tree: Record<string, Buffer> = { "a.txt": Buffer.from("alpha\n"), "sub/b.bin": randomBytes(70_000), "sub/deeper/c.txt": Buffer.from("gamma\n") };

beforeAll(async () => {
  await ensureBuilt();
  ({ server, env } = await serverWithEnv());
  sdk = new Awaiting(server.keyId, server.key, { authUrl: server.url });
  [, bucket] = await sdk.createBucket({ bucketName: "cli-files", bucketType: "allPrivate" });
  [, other] = await sdk.createBucket({ bucketName: "cli-other", bucketType: "allPublic" });
  scratch = await mkdtemp(join(tmpdir(), "b2kit-cli-"));
  await writeFile(join(scratch, "big.bin"), big);
  for (const [name, data] of Object.entries(tree)) {
    await mkdir(join(scratch, "tree", name, ".."), { recursive: true });
    await writeFile(join(scratch, "tree", name), data);
  }
});
afterAll(async () => {
  await sdk?.close();
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function names(target: AwaitingBucket, versions = false): Promise<string[]> {
  const out: string[] = [];
  for await (const [m] of versions ? target.fileVersions() : target.fileNames()) out.push(`${m.action}:${m.fileName}`);
  return out;
}

async function filesUnder(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/")] = await readFile(join(entry.parentPath, entry.name));
  }
  return out;
}

describe("upload and download", () => {
  it("uploads one file and downloads the same bytes", async () => {
    const uploaded = await okJson(["upload", join(scratch, "big.bin"), "b2://cli-files/data/big.bin"], env);
    expect(uploaded).toMatchObject({ fileName: "data/big.bin", contentLength: big.length });
    // The SDK sees the same bytes; the CLI records the local modification time like the official tool.
    const file = sdk.file(uploaded.fileId);
    expect(Buffer.from(await file.download()).equals(big)).toBe(true);
    expect((await file.get()).fileInfo).toHaveProperty("src_last_modified_millis");

    const out = join(scratch, "big.out");
    expect(await ok(["download", "b2://cli-files/data/big.bin", out], env)).toBe(`data/big.bin -> ${out}\n`);
    expect((await readFile(out)).equals(big)).toBe(true);
    // Into an existing directory: the base name is kept.
    await mkdir(join(scratch, "into"));
    await ok(["download", "b2://cli-files/data/big.bin", join(scratch, "into")], env);
    expect((await readFile(join(scratch, "into", "big.bin"))).equals(big)).toBe(true);
  });

  it("uploads a directory under a prefix and downloads the prefix into a directory", async () => {
    const uploaded = await okJson<{ fileName: string }[]>(["upload", join(scratch, "tree"), "b2://cli-files/backup"], env);
    expect(uploaded.map((f) => f.fileName).sort()).toEqual(["backup/a.txt", "backup/sub/b.bin", "backup/sub/deeper/c.txt"]);

    const out = join(scratch, "restored");
    const listed = await okJson<{ fileName: string; path: string }[]>(["download", "b2://cli-files/backup/", out], env);
    expect(listed).toHaveLength(3);
    expect(await filesUnder(out)).toEqual(tree);
    // Without the trailing slash a name that is not a file is read as a folder, as the official tool does.
    const again = join(scratch, "restored-again");
    await ok(["download", "b2://cli-files/backup/sub", again], env);
    expect(await filesUnder(again)).toEqual({ "b.bin": tree["sub/b.bin"], "deeper/c.txt": tree["sub/deeper/c.txt"] });
  });

  it("a file over the part size goes up as a large file in parallel parts and comes back intact", async () => {
    const large = randomBytes(12_000_000);
    await writeFile(join(scratch, "large.bin"), large);
    await server.control.clearJournal();
    await ok(["upload", join(scratch, "large.bin"), "b2://cli-files/large.bin", "--concurrency", "3"], env);
    const ops = (await server.control.journal()).map((e) => e.op);
    expect(ops).toContain("b2_start_large_file");
    // Two equal 6 MB parts (at least the 5 MB chunk size each), one per lane, not 5 + 5 + 2.
    expect(ops.filter((op) => op === "b2_upload_part").length).toBe(2);
    expect(ops).toContain("b2_finish_large_file");
    await ok(["download", "b2://cli-files/large.bin", join(scratch, "large.out")], env);
    expect((await readFile(join(scratch, "large.out"))).equals(large)).toBe(true);
  });

  it("uploads with an explicit content type", async () => {
    const uploaded = await okJson(["upload", join(scratch, "tree", "a.txt"), "b2://cli-files/typed/", "--content-type", "text/x-custom"], env);
    expect(uploaded).toMatchObject({ fileName: "typed/a.txt", contentType: "text/x-custom" });
  });

  it("fails with exit 1 for a missing remote file and writes nothing", async () => {
    const out = join(scratch, "never.bin");
    const run = await b2kit(["download", "b2://cli-files/nope.bin", out], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("b2kit: 404 not_found: no file or folder b2://cli-files/nope.bin\n");
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe("ls", () => {
  beforeAll(async () => {
    for (const name of ["ls/top.txt", "ls/dir/one.txt", "ls/dir/two.txt", "ls/dir/nested/three.txt", "ls/twice.txt", "ls/twice.txt"]) {
      await bucket.upload({ fileName: name }, new TextEncoder().encode(name));
    }
  });

  it("lists one level with folders, like the official tool", async () => {
    const lines = (await ok(["ls", "b2://cli-files/ls"], env)).trimEnd().split("\n");
    expect(lines.map((l) => l.trim().split(/\s+/).pop())).toEqual(["ls/dir/", "ls/top.txt", "ls/twice.txt"]);
    expect(lines[1]).toMatch(/^\s+10\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+ls\/top\.txt$/);
    const json = await okJson<{ fileName: string; action: string }[]>(["ls", "b2://cli-files/ls/"], env);
    expect(json.map((f) => [f.action, f.fileName])).toEqual([["folder", "ls/dir/"], ["upload", "ls/top.txt"], ["upload", "ls/twice.txt"]]);
  });

  it("--recursive lists every file below, no folders", async () => {
    const json = await okJson<{ fileName: string }[]>(["ls", "--recursive", "b2://cli-files/ls/dir"], env);
    expect(json.map((f) => f.fileName)).toEqual(["ls/dir/nested/three.txt", "ls/dir/one.txt", "ls/dir/two.txt"]);
  });

  it("--versions shows every version", async () => {
    const json = await okJson<{ fileName: string; fileId: string }[]>(["ls", "--versions", "b2://cli-files/ls"], env);
    expect(json.map((f) => f.fileName)).toEqual(["ls/dir/", "ls/top.txt", "ls/twice.txt", "ls/twice.txt"]);
    expect(new Set(json.map((f) => f.fileId)).size).toBe(4);
    // A file's own path lists just that file (its versions).
    const one = await okJson<{ fileName: string }[]>(["ls", "--versions", "b2://cli-files/ls/twice.txt"], env);
    expect(one.map((f) => f.fileName)).toEqual(["ls/twice.txt", "ls/twice.txt"]);
  });

  it("the bucket root lists top-level names", async () => {
    const top = (await ok(["ls", "b2://cli-files"], env)).trimEnd().split("\n").map((l) => l.trim());
    expect(top).toEqual(expect.arrayContaining(["backup/", "data/", "ls/"]));
  });
});

describe("rm, hide, cp", () => {
  it("hide adds a hide marker; rm deletes the newest version, --versions all of them", async () => {
    for (const text of ["v1", "v2", "v3"]) await bucket.upload({ fileName: "rm/file.txt" }, new TextEncoder().encode(text));
    expect(await ok(["hide", "b2://cli-files/rm/file.txt"], env)).toBe("hidden rm/file.txt\n");
    let versions = (await names(bucket, true)).filter((n) => n.endsWith("rm/file.txt"));
    expect(versions).toEqual(["hide:rm/file.txt", "upload:rm/file.txt", "upload:rm/file.txt", "upload:rm/file.txt"]);
    expect(await names(bucket)).not.toContain("upload:rm/file.txt");

    // rm without --versions removes the newest version: the hide marker, so v3 is visible again.
    const deleted = await okJson<{ fileName: string }[]>(["rm", "b2://cli-files/rm/file.txt"], env);
    expect(deleted).toHaveLength(1);
    expect(new TextDecoder().decode(await sdk.downloadByName("cli-files", "rm/file.txt"))).toBe("v3");

    expect(await ok(["rm", "--versions", "b2://cli-files/rm/file.txt"], env)).toMatch(/^(deleted rm\/file\.txt \(\S+\)\n){3}$/);
    versions = (await names(bucket, true)).filter((n) => n.endsWith("rm/file.txt"));
    expect(versions).toEqual([]);
    expect((await b2kit(["rm", "b2://cli-files/rm/file.txt"], env)).code).toBe(1);
  });

  it("rm of a name leaves longer names with the same prefix alone", async () => {
    await bucket.upload({ fileName: "rm2/x" }, new Uint8Array([1]));
    await bucket.upload({ fileName: "rm2/x.bak" }, new Uint8Array([2]));
    await ok(["rm", "--versions", "b2://cli-files/rm2/x"], env);
    expect((await names(bucket)).filter((n) => n.includes("rm2/"))).toEqual(["upload:rm2/x.bak"]);
  });

  it("cp copies server-side within a bucket and to another bucket", async () => {
    const same = await okJson(["cp", "b2://cli-files/backup/a.txt", "b2://cli-files/copies/a.txt"], env);
    expect(same).toMatchObject({ fileName: "copies/a.txt" });
    expect(Buffer.from(await sdk.downloadByName("cli-files", "copies/a.txt")).equals(tree["a.txt"] as Buffer)).toBe(true);

    const cross = await okJson(["cp", "b2://cli-files/data/big.bin", "b2://cli-other/"], env);
    expect(cross).toMatchObject({ fileName: "big.bin" });
    expect(Buffer.from(await sdk.downloadByName("cli-other", "big.bin")).equals(big)).toBe(true);
    expect(await names(other)).toEqual(["upload:big.bin"]);
  });
});

describe("url", () => {
  it("gives a plain URL for a public bucket", async () => {
    const url = (await ok(["url", "b2://cli-other/big.bin"], env)).trim();
    expect(url).toBe(`${server.url}/file/cli-other/big.bin`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it("gives a URL with a download token for a private bucket, valid for that file only", async () => {
    const { url, expires } = await okJson(["url", "b2://cli-files/backup/sub/deeper/c.txt", "--duration", "600"], env);
    expect(Date.parse(expires) - Date.now()).toBeGreaterThan(500_000);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("gamma\n");
    // Without the token the bucket refuses; the token does not open other names.
    const bare = new URL(url);
    bare.search = "";
    expect((await fetch(bare)).status).toBe(401);
    const elsewhere = new URL(url);
    elsewhere.pathname = "/file/cli-files/backup/a.txt";
    expect((await fetch(elsewhere)).status).toBe(401);
  });

  it("percent-encodes names", async () => {
    await other.upload({ fileName: "with space/é+.txt" }, new TextEncoder().encode("odd"));
    const url = (await ok(["url", "b2://cli-other/with space/é+.txt"], env)).trim();
    expect(url).toBe(`${server.url}/file/cli-other/with%20space/%C3%A9%2B.txt`);
    expect(await (await fetch(url)).text()).toBe("odd");
  });
});
