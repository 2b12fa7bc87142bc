/** Starts a server in this process (the child's job; also the CLI's). */
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type Shape, type Timeouts } from "./app.js";
import { bodyWorkers } from "./body-workers.js";
import { DEFAULT_LIMITS, mergeLimits } from "./limits.js";
import { ServerState } from "./state.js";

export interface RunConfig extends Timeouts {
  port?: number;
  host?: string;
  dataDir?: string;
  keyId?: string;
  key?: string;
  limits?: Record<string, unknown>;
  shape?: Shape;
  /** Extra PEM certificates trusted for event notification webhooks. */
  webhookCa?: string;
}

export interface Running {
  url: string;
  keyId: string;
  key: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Where a temporary store goes: RAM-backed /dev/shm when present (a throwaway store needs no disk durability, and
 * disk writeback would otherwise be what limits client benchmarks), else the OS temp dir.
 */
function temporaryRoot(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

export async function runServer(config: RunConfig): Promise<Running> {
  const temporary = config.dataDir === undefined;
  const dataDir = config.dataDir ?? mkdtempSync(join(temporaryRoot(), "b2kit-server-"));
  const state = new ServerState({ dataDir, keyId: config.keyId, key: config.key, limits: mergeLimits(DEFAULT_LIMITS, config.limits ?? {}) });
  state.bytesPerSec = config.shape?.bytesPerSec;
  state.notifications.ca = config.webhookCa;
  bodyWorkers.warm();
  const server = createApp(state, config.shape, config);
  const host = config.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    // E.g. the port is taken: let go of the data directory's lock (and a temporary store) before failing.
    state.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  state.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: state.url,
    keyId: state.masterKeyId,
    key: state.masterKey,
    dataDir,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        state.close();
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      })),
  };
}
