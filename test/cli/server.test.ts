/** `b2kit server --port P --data DIR`: prints its URL and credentials, serves the CLI, stops on a signal, keeps its data. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../src/testing/index.js";
import { bin, ensureBuilt, ok } from "./support.js";

let data: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  await ensureBuilt();
  data = await mkdtemp(join(tmpdir(), "b2kit-cli-server-"));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (data) await rm(data, { recursive: true, force: true });
});

/** Starts `b2kit server` and reads the banner up to the last credential line. */
async function startCliServer(port: number): Promise<{ child: ChildProcess; banner: string; env: Record<string, string> }> {
  const child = spawn(process.execPath, [bin, "server", "--port", String(port), "--data", data], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (line.includes("B2_APPLICATION_KEY=")) break;
  }
  const banner = lines.join("\n");
  const env = Object.fromEntries([...banner.matchAll(/^\s*(B2_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
  return { child, banner, env };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  return code;
}

it("prints its URL and credentials, serves them, exits 0 on SIGTERM, and keeps its data", async () => {
  const port = await freePort();
  const first = await startCliServer(port);
  expect(first.banner).toContain(`listening on http://127.0.0.1:${port}`);
  expect(first.banner).toMatch(new RegExp(`^  data: ${data}$`, "m")); // not "(temporary)": --data keeps it
  expect(first.env).toEqual({ B2_AUTH_URL: `http://127.0.0.1:${port}`, B2_APPLICATION_KEY_ID: expect.any(String), B2_APPLICATION_KEY: expect.any(String) });

  // The printed credentials work with the CLI itself (a separate process).
  expect(await ok(["authorize"], first.env)).toContain(`api http://127.0.0.1:${port}`);
  await ok(["bucket", "create", "kept-bucket"], first.env);
  expect(await stop(first.child)).toBe(0);
  await expect(fetch(`http://127.0.0.1:${port}/b2api/v4/b2_authorize_account`)).rejects.toThrow();

  // Same data directory: same master key, the bucket is still there.
  const second = await startCliServer(port);
  expect(second.env).toEqual(first.env);
  expect(await ok(["bucket", "list"], second.env)).toMatch(/\skept-bucket\n$/);
  expect(await stop(second.child)).toBe(0);
});
