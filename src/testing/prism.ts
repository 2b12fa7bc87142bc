/**
 * A Prism mock of the bundled B2 spec (or any spec), as a child process on a free loopback
 * port. Prism (`@stoplight/prism-cli`, 5.14.x on Node 20) is resolved from the caller's project.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** The B2 Native API description shipped with b2kit. */
export const bundledSpecPath = fileURLToPath(new URL("../../spec/b2.yaml", import.meta.url).href.replace("/dist/spec/", "/spec/"));

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface MockServer {
  /** Base URL; use it as `authUrl`. */
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface MockOptions {
  /** Path of the OpenAPI document (default: the bundled B2 spec). */
  spec?: string;
  port?: number;
  /** Milliseconds to wait for Prism to answer (default 30 s). */
  startTimeoutMs?: number;
}

function prismCli(): string {
  const require = createRequire(`${process.cwd()}/`);
  try {
    return require.resolve("@stoplight/prism-cli/dist/index.js");
  } catch {
    return createRequire(import.meta.url).resolve("@stoplight/prism-cli/dist/index.js");
  }
}

/** Starts `prism mock` (static examples) and resolves once it answers HTTP. */
export async function startMockServer(options: MockOptions = {}): Promise<MockServer> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [prismCli(), "mock", options.spec ?? bundledSpecPath, "-h", "127.0.0.1", "-p", String(port), "-v", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`prism did not answer in time: ${stderr}`);
    }
    try {
      await fetch(url);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    },
  };
}
