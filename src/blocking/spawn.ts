/**
 * Starting the worker. Node cannot run .ts, so the worker begins with a tiny eval'd JS
 * bootstrap that registers tsx first when the entry or the core module is TypeScript (dev and
 * tests); from dist/ everything is .js and tsx is never touched. Paths are resolved from this
 * file's own URL, so the same code works from src/ and dist/.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { FLAG_BYTES, type CallbackPath, type WorkerInit } from "./protocol.js";

const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) {
    const m = await import(workerData.tsx);
    m.register();
  }
  await import(workerData.entry);
})().catch((e) => {
  const { port, flag } = workerData.init;
  port.postMessage({ t: "dead", error: { kind: "error", name: String(e && e.name), message: "worker failed to start: " + String(e && e.message), stack: e && e.stack, b2: false, props: {}, hasCause: false } });
  const f = new Int32Array(flag);
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
});
`;

const TS = /\.[mc]?ts$/;
const ownUrl = new URL(import.meta.url);
const ownExt = /\.[mc]?[jt]s$/.exec(ownUrl.pathname)?.[0] ?? ".js";
const entryUrl = new URL(`./worker${ownExt}`, ownUrl).href;

/** A module URL for the worker to import: URLs and file: strings as given, paths made absolute. */
export function moduleHref(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^(file|data):/.test(m)) return m;
  if (m.startsWith("/") || /^[A-Za-z]:[\\/]/.test(m)) return pathToFileURL(m).href;
  throw new TypeError(`Blocking bridge: coreModule must be a URL or an absolute path, got ${JSON.stringify(m)}`);
}

/** tsx's ESM API, found through its exports map (the CJS build breaks under register()). */
function tsxApiHref(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports?: Record<string, { import?: { default?: string } }>;
  };
  const rel = pkg.exports?.["./esm/api"]?.import?.default ?? "./dist/esm/api/index.mjs";
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}

export interface Spawned {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

export function spawnWorker(
  coreModule: string,
  factory: string,
  factoryArgs: unknown[],
  factoryCbs: CallbackPath[] = [],
  aliveMs?: number,
): Spawned {
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(FLAG_BYTES);
  const init: WorkerInit = { port: port2, flag: sab, coreModule, factory, factoryArgs, factoryCbs, ...(aliveMs !== undefined ? { aliveMs } : {}) };
  const needsTsx = TS.test(new URL(entryUrl).pathname) || TS.test(new URL(coreModule).pathname);
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    // The bootstrap is CommonJS; a parent started with --input-type=module (node -e) would
    // otherwise pass that on and the worker would die before loading the core. Only then is the
    // list given explicitly: an explicit list may not hold V8 flags (--expose-gc), inheriting may.
    ...(process.execArgv.some((arg) => arg.startsWith("--input-type"))
      ? { execArgv: process.execArgv.filter((arg) => !arg.startsWith("--input-type")) }
      : {}),
    workerData: { init, entry: entryUrl, tsx: needsTsx ? tsxApiHref() : undefined },
    transferList: [port2],
  });
  // An idle Blocking client must not keep the process alive.
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag: new Int32Array(sab) };
}
