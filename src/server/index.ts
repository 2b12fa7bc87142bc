/**
 * `startServer()`: the local B2 server in a child process (it keeps answering while the caller's thread is
 * blocked, e.g. in Atomics.wait), plus a typed client for its control API.
 *
 * The server speaks the B2 Native API (v1 to v4) on loopback; point any B2 client at `url` as its auth URL and
 * log in with `keyId`/`key`. Metadata lives in SQLite and contents in files under `dataDir` (a temporary store,
 * removed on close, when none is given). Requests are validated against spec/b2.yaml.
 *
 * Control API (loopback only, JSON, mirrored by `control`):
 * - `POST /__b2kit/faults` {op | "*", status?, code?, message?, retryAfter?, count? (1), skip? (0),
 *   wire?: drop_after_commit | reset_mid_body | stall | slow_body, stallMs?, stallAt?: start | body, bytesPerSec?}
 *   -> {id}; `DELETE /__b2kit/faults`
 * - `POST /__b2kit/clock` {advanceSeconds} (token, key and download-authorization expiry; lifecycle rules run),
 *   `GET /__b2kit/clock`
 * - `GET /__b2kit/journal` -> [{seq, op, method, path, status, code?, fault?, uploadUrlId?, at}],
 *   `DELETE /__b2kit/journal`
 * - `POST /__b2kit/limits` {minPartSize, recommendedPartSize, maxCopySize, ...}, `GET /__b2kit/limits`
 * - `GET /__b2kit/notifications` -> [{seq, at, ruleName, url, eventId, eventType, objectName, attempt, status,
 *   error?}] (event notification webhook POSTs, one entry per attempt), `DELETE /__b2kit/notifications`
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { hideSecretField } from "../core/conceal.js";
import { ControlClient } from "./control-client.js";

export { ControlClient } from "./control-client.js";
export type { FaultSpec, JournalEntry, ClockState, NotificationDelivery, NotificationEventType } from "./control-client.js";

export interface ServerLimits {
  minPartSize?: number;
  recommendedPartSize?: number;
  maxCopySize?: number;
  maxUploadSize?: number;
  maxPartSize?: number;
  fileNamesPage?: [number, number];
  unfinishedPage?: [number, number];
  partsPage?: [number, number];
  keysPage?: [number, number];
  maxBuckets?: number;
}

export interface StartServerOptions {
  port?: number;
  host?: string;
  /**
   * Persistent storage; without it a temporary directory is used and removed on close. One server at a time: a
   * start on a directory another server is using fails ("in use by another b2kit server").
   */
  dataDir?: string;
  keyId?: string;
  key?: string;
  limits?: ServerLimits;
  /** Network profile for benchmarks: per-connection throughput cap and added latency per request. */
  shape?: { bytesPerSec?: number; latencyMs?: number };
  /** Milliseconds to wait for the child to listen (default 30 s). */
  startTimeoutMs?: number;
  /**
   * PEM certificate(s) trusted, besides the system's, for event notification webhooks (rules need https URLs):
   * e.g. a local test receiver's self-signed certificate.
   */
  webhookCa?: string;
  /** Longest wait for a complete request head (e.g. on a connection that sends nothing), in ms (default 60 s; 0: none). */
  headersTimeoutMs?: number;
  /**
   * A connection that goes this long without a byte while the server waits on the client (an upload body that
   * stops coming; a response the client stops reading, after five such periods without a completed write) is
   * closed, in ms (default 120 s; 0: never). Slow transfers that keep moving are never cut.
   */
  idleTimeoutMs?: number;
}

export interface LocalB2Server {
  url: string;
  keyId: string;
  key: string;
  /** Process id of the server's child process. */
  pid: number;
  control: ControlClient;
  close(): Promise<void>;
}

function entry(): string[] {
  const self = import.meta.url;
  if (self.endsWith(".ts")) return [fileURLToPath(new URL("./dev-bootstrap.mjs", self)), new URL("./main.ts", self).href];
  return [fileURLToPath(new URL("./main.js", self))];
}

export async function startServer(options: StartServerOptions = {}): Promise<LocalB2Server> {
  const { startTimeoutMs = 30_000, ...config } = options;
  const child = spawn(process.execPath, entry(), { stdio: ["pipe", "pipe", "pipe"] });
  // The config (possibly with the master key) goes over stdin, not argv or the environment; stdin stays open so
  // the child notices when this process goes away.
  child.stdin?.write(`${JSON.stringify(config)}\n`);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    // The server's own diagnostics (internal errors are bugs): visible to whoever started it.
    process.stderr.write(d);
  });
  const ready = await waitReady(child, startTimeoutMs, () => stderr);
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  let closing: Promise<void> | undefined;
  const handle: LocalB2Server = {
    url: ready.url,
    keyId: ready.keyId,
    key: ready.key,
    pid: ready.pid,
    control: new ControlClient(ready.url),
    close: () => (closing ??= stopChild(child)),
  };
  return hideSecretField(handle, "key"); // the master key: readable, never printed
}

async function waitReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<{ url: string; keyId: string; key: string; pid: number }> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`local B2 server did not start within ${timeoutMs} ms: ${stderr()}`));
      }, timeoutMs);
      lines.on("line", (line) => {
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) resolve(parsed as { url: string; keyId: string; key: string; pid: number });
        } catch {
          /* not the ready line */
        }
      });
      // "close", not "exit": by then stderr has been read to its end (the reason, e.g. the data directory in use).
      child.once("close", (code) => reject(new Error(`local B2 server exited (${code}) before listening: ${stderr().trim()}`)));
      child.once("error", reject);
    });
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
