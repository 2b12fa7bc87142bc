/**
 * Runs the real `b2kit` binary (dist/src/cli/main.js, what `npm install` links) as a child
 * process. `npm test` builds dist/ first; when dist/ is older than the sources (a bare
 * `npx vitest run` after an edit), it is rebuilt once, under a lock shared by the test files.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startServer, type LocalB2Server } from "../../src/server/index.js";

export const repo = fileURLToPath(new URL("../..", import.meta.url));
export const bin = join(repo, "dist/src/cli/main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const stale = (): boolean => {
  const built = statSync(bin, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return built < Math.max(newestSource(join(repo, "src")), newestSource(join(repo, "generated")));
};

export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), `b2kit-cli-build-${Buffer.from(repo).toString("hex").slice(-16)}.lock`);
  const deadline = Date.now() + 120_000;
  while (stale()) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) throw new Error(`waited too long for another build (remove ${lock} if stale)`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (stale()) await promisify(execFile)(process.execPath, [join(repo, "node_modules/typescript7/bin/tsc"), "-p", join(repo, "tsconfig.build.json")], { cwd: repo });
    } finally {
      rmdirSync(lock);
    }
  }
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `b2kit ...args` with `env` added to a clean environment (no B2_* from the developer's shell). */
export function b2kit(args: string[], env: Record<string, string> = {}, cwd = repo): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("B2_"))) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A local B2 server and the environment that points the CLI at it with the master key. */
export async function serverWithEnv(): Promise<{ server: LocalB2Server; env: Record<string, string> }> {
  const server = await startServer();
  return { server, env: { B2_APPLICATION_KEY_ID: server.keyId, B2_APPLICATION_KEY: server.key, B2_AUTH_URL: server.url } };
}

/** Runs a command that must succeed; its stdout. */
export async function ok(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  const run = await b2kit(args, env, cwd);
  if (run.code !== 0) throw new Error(`b2kit ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** Runs a command with --json that must succeed; its parsed stdout. */
export async function okJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  return JSON.parse(await ok([...args, "--json"], env)) as T;
}
