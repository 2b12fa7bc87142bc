/** One server per data directory: a second start on it is refused before it touches anything; a dead one's lock goes with it. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { Session, sha1 } from "./support.js";

const bootstrap = fileURLToPath(new URL("../../src/server/dev-bootstrap.mjs", import.meta.url));
const main = new URL("../../src/cli/main.ts", import.meta.url).href;

const dirs: string[] = [];
const children: ChildProcess[] = [];
const dataDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "b2kit-lock-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const inUse = (dir: string): RegExp => new RegExp(`data directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by another b2kit server \\(pid \\d+\\)`);

/** `b2kit server --data DIR` as a child process; resolves once it prints its credentials. */
async function cliServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bootstrap, main, "server", "--port", "0", "--data", dir], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (line.includes("B2_APPLICATION_KEY=")) break;
  }
  const url = /listening on (\S+)/.exec(lines.join("\n"))?.[1];
  if (!url) throw new Error(`no banner: ${lines.join("\n")}`);
  return { child, url };
}

describe("data directory lock", () => {
  it("a second server on the same dataDir is refused, the first keeps working (an upload in flight across the attempt succeeds)", async () => {
    const dir = dataDir();
    const a = await Session.start({ dataDir: dir });
    try {
      const bucket = await a.bucket();
      const u = await a.uploadUrl(bucket.bucketId);
      const data = Buffer.alloc(3 << 20, 7);
      const target = new URL(u.uploadUrl);
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { authorization: u.authorizationToken, "x-bz-file-name": "inflight.bin", "content-type": "text/plain", "x-bz-content-sha1": sha1(data), "content-length": data.length },
      });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on("response", (r) => {
          let body = "";
          r.on("data", (c: Buffer) => (body += c.toString()));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on("error", reject);
      });
      req.write(data.subarray(0, 1 << 20));
      for (let i = 0; i < 100 && readdirSync(join(dir, "tmp")).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const inFlight = readdirSync(join(dir, "tmp"));
      expect(inFlight).toHaveLength(1);

      await expect(startServer({ dataDir: dir })).rejects.toThrow(inUse(dir));
      // Refused before touching the directory: the in-flight temp file is still there.
      expect(readdirSync(join(dir, "tmp"))).toEqual(inFlight);

      req.end(data.subarray(1 << 20));
      const r = await answer;
      expect(r.status, r.body).toBe(200);
      const names = await a.ok("b2_list_file_names", { bucketId: bucket.bucketId });
      expect(names.files.map((f: { fileName: string }) => f.fileName)).toEqual(["inflight.bin"]);
    } finally {
      await a.close();
    }
    // Closed: the directory is free again, with its content.
    const c = await Session.start({ dataDir: dir });
    try {
      const buckets = await c.ok("b2_list_buckets", { accountId: c.accountId });
      const names = await c.ok("b2_list_file_names", { bucketId: buckets.buckets[0].bucketId });
      expect(names.files.map((f: { fileName: string }) => f.fileName)).toEqual(["inflight.bin"]);
    } finally {
      await c.close();
    }
  });

  it("the CLI refuses a dataDir in use (message, non-zero exit); after kill -9 of the first, a start succeeds", async () => {
    const dir = dataDir();
    const first = await cliServer(dir);
    expect(first.child.pid).toBeDefined();

    const second = spawn(process.execPath, [bootstrap, main, "server", "--port", "0", "--data", dir], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(second);
    let stderr = "";
    second.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(second, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(inUse(dir));
    expect(stderr).toContain(`(pid ${first.child.pid})`);
    expect((await fetch(`${first.url}/b2api/v4/b2_authorize_account`)).status).toBe(401); // still serving

    const exited = once(first.child, "exit");
    first.child.kill("SIGKILL");
    await exited;
    const s = await startServer({ dataDir: dir });
    await s.close();
  });

  it("servers without a dataDir (temporary stores) are unaffected", async () => {
    const [x, y] = await Promise.all([startServer(), startServer()]);
    await Promise.all([x.close(), y.close()]);
  });
});
