/**
 * `callTimeout` (the bridge's `callTimeoutMs`) bounds how long a Blocking call waits without any
 * sign of life from its worker: every message the worker sends for the call re-arms it, so a
 * long call that keeps reporting completes, and a silent (hung) one still fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Blocking } from "../../src/index.js";
import { BlockingTimeout } from "../../src/errors.js";
import { BlockingCore } from "../../src/blocking/index.js";
import { startServer } from "../../src/server/index.js";
import { client, thrown } from "./helpers.js";

/** A core that talks to the caller at a steady pace (plain JS, loaded from a data: URL). */
const PACED_CORE = new URL(
  "data:text/javascript," +
    encodeURIComponent(`
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export function createPacedCore(options) {
  return {
    async run(op, _state, args) {
      const [s] = args;
      switch (op) {
        case "echo":
          return s;
        case "progress":
          for (let i = 1; i <= s.steps; i++) { await sleep(s.gap); s.onProgress(i); }
          return "done";
        case "logs":
          for (let i = 1; i <= s.steps; i++) { await sleep(s.gap); options.logger("line " + i); }
          return "logged";
        case "pulls": {
          let bytes = 0;
          for await (const c of s.source) { bytes += c.byteLength; await sleep(s.gap); }
          return bytes;
        }
        case "progressThenHang":
          for (let i = 1; i <= s.steps; i++) { await sleep(s.gap); s.onProgress(i); }
          return new Promise(() => {});
        case "oneEventThenDone":
          s.onProgress(1);
          await sleep(s.after);
          return "done";
      }
      throw new Error("unknown op " + op);
    },
    async *iterate(_op, _state, args) {
      const [s] = args;
      for (let i = 1; i <= s.steps; i++) { await sleep(s.gap); s.onProgress(i); }
      yield "item";
    },
    async close() {},
  };
}
`),
);

const CALL_MS = 600;
const GAP = 120;
const STEPS = 12; // 12 × 120 ms ≈ 1.4 s: more than twice CALL_MS, never CALL_MS without a message

/** Block the caller's thread, as a slow callback would. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe("callTimeout: a Blocking call's deadline is re-armed by every message of its worker", () => {
  const lines: string[] = [];
  const core = new BlockingCore({
    coreModule: PACED_CORE,
    factory: "createPacedCore",
    factoryArgs: [{ logger: (line: string) => lines.push(line) }],
    callTimeoutMs: CALL_MS,
  });
  afterAll(() => core.close());
  beforeAll(() => {
    core.run("echo", client(), ["warm"]); // cold start outside the measured calls
  });

  it("progress events keep a call alive well past callTimeout", () => {
    const seen: number[] = [];
    const t0 = Date.now();
    const r = core.run("progress", client(), [{ steps: STEPS, gap: GAP, onProgress: (n: number) => seen.push(n) }]);
    expect(r).toBe("done");
    expect(seen).toHaveLength(STEPS);
    expect(Date.now() - t0).toBeGreaterThan(CALL_MS * 2);
  });

  it("log lines (factoryArgs callbacks) keep a call alive", () => {
    lines.length = 0;
    expect(core.run("logs", client(), [{ steps: STEPS, gap: GAP }])).toBe("logged");
    expect(lines).toHaveLength(STEPS);
  });

  it("source pulls keep a call alive", () => {
    function* chunks() {
      for (let i = 0; i < STEPS; i++) yield new Uint8Array(10);
    }
    expect(core.run("pulls", client(), [{ gap: GAP, source: chunks() }])).toBe(STEPS * 10);
  });

  it("progress events keep an iterator's round trip alive", () => {
    const seen: number[] = [];
    const items = [
      ...core.iterate("progress", client(), [{ steps: STEPS, gap: GAP, onProgress: (n: number) => seen.push(n) }]),
    ];
    expect(items).toEqual(["item"]);
    expect(seen).toHaveLength(STEPS);
  });

  it("time the caller spends in its own callback is not counted against the worker", () => {
    const r = core.run("oneEventThenDone", client(), [{ after: 100, onProgress: () => block(CALL_MS + 400) }]);
    expect(r).toBe("done");
  });

  it("a worker silent for callTimeout after its last message still times out, and is reset", async () => {
    const first = core.run("echo", client(), ["before"]);
    expect(first).toBe("before");
    const oldExit = core._workerExit();
    const seen: number[] = [];
    const t0 = Date.now();
    const e = thrown(() =>
      core.run("progressThenHang", client(), [{ steps: 8, gap: GAP, onProgress: (n: number) => seen.push(n) }]),
    ) as BlockingTimeout;
    const ms = Date.now() - t0;
    expect(e).toBeInstanceOf(BlockingTimeout);
    expect(e.operation).toBe("progressThenHang");
    expect(seen).toHaveLength(8);
    // Counted from the last event (~8 × GAP in), not from the start of the call; and bounded.
    expect(ms).toBeGreaterThanOrEqual(8 * GAP + CALL_MS - 50);
    expect(ms).toBeLessThan(8 * GAP + CALL_MS + 3000);
    await expect(oldExit).resolves.toBeTypeOf("number"); // the hung worker really ended
    expect(core.run("echo", client(), ["after"])).toBe("after"); // on a fresh worker
    expect(core._workerExit()).not.toBe(oldExit);
  });
});

describe("callTimeout against the local B2 server", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ limits: { minPartSize: 1000, recommendedPartSize: 8000, maxCopySize: 20_000 } });
  });
  afterAll(async () => {
    await server?.control.clearFaults();
    await server?.close();
  });

  it("a Blocking download throttled to ~4 s with progress flowing completes under callTimeout 2", async () => {
    const data = randomBytes(9000);
    const b2 = new Blocking(server.keyId, server.key, {
      authUrl: server.url,
      timeout: 2,
      concurrency: 1,
      chunkSize: 100_000,
      backoff: { initial: 0.01, max: 0.05 },
      callTimeout: 2,
    });
    try {
      const [, bucket] = b2.createBucket({ bucketName: `deadline-${randomBytes(4).toString("hex")}` });
      const [, file] = bucket.upload({ fileName: "d.bin" }, data);
      await server.control.addFault({ op: "b2_download_file_by_id", wire: "slow_body", bytesPerSec: 2250 });
      const progress: number[] = [];
      const t0 = Date.now();
      const back = b2.file(file.fileId).download({ onProgress: (e) => progress.push(e.bytes) });
      const ms = Date.now() - t0;
      expect(Buffer.from(back).equals(data)).toBe(true);
      expect(ms).toBeGreaterThan(2500); // it really outlived callTimeout
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.at(-1)).toBe(data.length);
    } finally {
      await server.control.clearFaults();
      b2.close();
    }
  });
});
