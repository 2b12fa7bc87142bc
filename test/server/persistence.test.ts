import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { Session, basic, sha1 } from "./support.js";

const dirs: string[] = [];
const dataDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "b2kit-persist-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("persistence", () => {
  it("buckets, keys, files and large-file parts survive a clean restart with the same credentials", async () => {
    const dir = dataDir();
    const a = await Session.start({ dataDir: dir, limits: { minPartSize: 10 } });
    const b = await a.bucket("persist-bucket");
    const data = randomBytes(5000);
    const f = await a.uploaded(b.bucketId, "kept.bin", data);
    const key = await a.ok("b2_create_key", { accountId: a.accountId, keyName: "kept", capabilities: ["listBuckets"] });
    const large = await a.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: "big", contentType: "text/plain" });
    const { keyId, key: secret } = a.server;
    await a.close();

    const c = await Session.start({ dataDir: dir });
    try {
      expect([c.server.keyId, c.server.key]).toEqual([keyId, secret]);
      expect(c.accountId).toBe(a.accountId);
      const d = await c.download(`/file/persist-bucket/kept.bin`);
      expect(sha1(d.bytes)).toBe(f.contentSha1);
      expect((await c.authorize(key.applicationKeyId, key.applicationKey)).status).toBe(200);
      const unfinished = await c.ok("b2_list_unfinished_large_files", { bucketId: b.bucketId });
      expect(unfinished.files.map((x: any) => x.fileId)).toEqual([large.fileId]);
    } finally {
      await c.close();
    }
  });

  it("kill -9: an acknowledged upload survives; an unfinished one never appears half-written", async () => {
    const dir = dataDir();
    const a = await Session.start({ dataDir: dir });
    const b = await a.bucket("killed-bucket");
    const data = randomBytes(200_000);
    const f = await a.uploaded(b.bucketId, "acked.bin", data);
    // Start an upload whose body never completes, then kill the server mid-body.
    const u = await a.uploadUrl(b.bucketId);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(100_000));
      },
    });
    const pending = fetch(u.uploadUrl, {
      method: "POST",
      headers: { authorization: u.authorizationToken, "x-bz-file-name": "partial.bin", "content-type": "text/plain", "x-bz-content-sha1": "do_not_verify", "content-length": "1000000" },
      body,
      duplex: "half",
    } as RequestInit).catch((e: unknown) => e);
    // Wait until the server is streaming the body to its temp file (bounded; polls so a loaded machine does not flake).
    for (let i = 0; i < 100 && readdirSync(join(dir, "tmp")).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, "tmp")).length).toBe(1);
    process.kill(a.server.pid, "SIGKILL");
    await pending;

    const c = await Session.start({ dataDir: dir });
    try {
      const d = await c.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
      expect(d.bytes.equals(data)).toBe(true);
      const versions = await c.ok("b2_list_file_versions", { bucketId: b.bucketId });
      expect(versions.files.map((x: any) => x.fileName)).toEqual(["acked.bin"]);
      expect(readdirSync(join(dir, "tmp"))).toEqual([]);
      expect(readdirSync(join(dir, "blobs"))).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it("on start, blobs no row refers to (an upload killed between rename and commit) are removed", async () => {
    const dir = dataDir();
    const a = await Session.start({ dataDir: dir });
    const b = await a.bucket();
    await a.uploaded(b.bucketId, "kept.txt", "kept");
    await a.close();
    writeFileSync(join(dir, "blobs", "orphan"), "never committed");
    const c = await Session.start({ dataDir: dir });
    try {
      expect(readdirSync(join(dir, "blobs"))).toHaveLength(1);
      expect((await c.download(`/file/${b.bucketName}/kept.txt`)).bytes.toString()).toBe("kept");
    } finally {
      await c.close();
    }
  });

  it("explicit credentials are used, and the key never reaches the child's argv or environment", async () => {
    const server = await startServer({ keyId: "localMasterKeyId", key: "K000-explicit-secret-value" });
    try {
      expect([server.keyId, server.key]).toEqual(["localMasterKeyId", "K000-explicit-secret-value"]);
      const r = await fetch(`${server.url}/b2api/v4/b2_authorize_account`, { headers: { authorization: basic(server.keyId, server.key) } });
      expect(r.status).toBe(200);
      if (existsSync(`/proc/${server.pid}/environ`)) {
        expect(readFileSync(`/proc/${server.pid}/environ`, "latin1")).not.toContain("explicit-secret");
        expect(readFileSync(`/proc/${server.pid}/cmdline`, "latin1")).not.toContain("explicit-secret");
      }
    } finally {
      await server.close();
    }
  });

  it("close() stops the child process: the URL no longer answers", async () => {
    const server = await startServer();
    const r = await fetch(`${server.url}/__b2kit/limits`);
    expect(r.status).toBe(200);
    await server.close();
    await expect(fetch(`${server.url}/__b2kit/limits`)).rejects.toThrow();
  });
});
