/**
 * Prism (`@stoplight/prism-cli` 5.14.x) mocking an OpenAPI document, as a child process on a free
 * loopback port. Prism is resolved from the caller's project first (users install it as a dev
 * dependency), then from b2kit's own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** The B2 Native API description shipped with b2kit (found from src/ and from dist/src/ alike). */
export const bundledSpecPath: string = ["../../spec/b2.yaml", "../../../spec/b2.yaml"]
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path)) as string;

/** A TCP port that was free a moment ago on `host` (the OS picks it). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function prismCli(): string {
  const entry = "@stoplight/prism-cli/dist/index.js";
  try {
    return createRequire(`${process.cwd()}/`).resolve(entry);
  } catch {
    try {
      return createRequire(import.meta.url).resolve(entry);
    } catch {
      throw new Error("startMockServer needs @stoplight/prism-cli: npm install --save-dev @stoplight/prism-cli@5.14");
    }
  }
}

export interface PrismProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface PrismOptions {
  /** Path of the OpenAPI document (default: the bundled B2 spec). */
  spec?: string;
  /** Default: a free port. */
  port?: number;
  /** Milliseconds to wait for Prism to answer (default 30 s). */
  startTimeoutMs?: number;
}

/** Starts `prism mock` (static examples) and resolves once it answers HTTP. */
export async function startPrism(options: PrismOptions = {}): Promise<PrismProcess> {
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [prismCli(), "mock", options.spec ?? bundledSpecPath, "-h", "127.0.0.1", "-p", String(port), "-v", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prism did not answer within ${startTimeoutMs} ms: ${stderr}`);
    }
    try {
      await fetch(url);
      return { url, port, child, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
