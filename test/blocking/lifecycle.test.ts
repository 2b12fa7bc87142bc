import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { B2Error, BlockingTimeout, NotFound, ServiceUnavailable } from "../../src/errors.js";
import { BlockingClosed, BlockingCore } from "../../src/blocking/index.js";
import type { PartsState } from "../../src/core/handles.js";
import { FAKE_CORE, client, fakeBridge, thrown } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "b2kit-blocking-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("handle state", () => {
  const core = fakeBridge();
  afterAll(() => core.close());

  it("is copied back into the caller's object after each call, also when the call fails", () => {
    const state: PartsState = { kind: "Parts", fileId: "f1", partNumber: 0 };
    expect(core.run("advance", state, [])).toBe(1);
    expect(core.run("advance", state, [])).toBe(2);
    expect(state).toEqual({ kind: "Parts", fileId: "f1", partNumber: 2 });
    expect(thrown(() => core.run("advanceThenFail", state, []))).toBeInstanceOf(NotFound);
    expect(state.partNumber).toBe(3);
  });
});

describe("close()", () => {
  it("closes the core in the worker, ends the worker, and later calls throw BlockingClosed", async () => {
    const logFile = join(dir, "close.log");
    const core = fakeBridge("A", 10_000, { logFile });
    expect(core.run("echo", client(), [1])).toBe(1);
    const exit = core._workerExit();
    core.close();
    expect(readFileSync(logFile, "utf8")).toBe("closed\n");
    await expect(exit).resolves.toBeTypeOf("number");
    core.close(); // idempotent
    const e = thrown(() => core.run("echo", client(), [2])) as BlockingClosed;
    expect(e).toBeInstanceOf(BlockingClosed);
    expect(e).toBeInstanceOf(B2Error);
    expect([e.code, e.operation]).toEqual(["blocking_closed", "echo"]);
    expect(thrown(() => core.iterate("count", client(), [1]))).toBeInstanceOf(BlockingClosed);
    expect(readFileSync(logFile, "utf8")).toBe("closed\n");
  });

  it("releases open worker-side iterators before closing the core", () => {
    const logFile = join(dir, "iter.log");
    const core = fakeBridge("A", 10_000, { logFile });
    const it = core.iterate("count", client(), [10]);
    it.next();
    core.close();
    expect(readFileSync(logFile, "utf8")).toBe("count opened\ncount finally\nclosed\n");
  });

  it("reports the core's close() error and still ends the worker", async () => {
    const core = fakeBridge("A", 10_000, { closeFails: true });
    core.run("noop", client(), []);
    const exit = core._workerExit();
    expect(thrown(() => core.close())).toBeInstanceOf(ServiceUnavailable);
    await expect(exit).resolves.toBeTypeOf("number");
    expect(thrown(() => core.run("noop", client(), []))).toBeInstanceOf(BlockingClosed);
  });

  it("from a callback, fails the call in progress with BlockingClosed", () => {
    const core = fakeBridge();
    const e = thrown(() => core.run("progress", client(), [{ onProgress: () => core.close() }]));
    expect(e).toBeInstanceOf(BlockingClosed);
    expect(thrown(() => core.run("noop", client(), []))).toBeInstanceOf(BlockingClosed);
  });

  it("that times out throws BlockingTimeout, still ends the worker and closes the bridge", async () => {
    const core = new BlockingCore({
      coreModule: FAKE_CORE,
      factory: "createStuckCloseCore",
      factoryArgs: [],
      callTimeoutMs: 300,
    });
    core.run("noop", client(), []);
    const exit = core._workerExit();
    const e = thrown(() => core.close()) as BlockingTimeout;
    expect(e).toBeInstanceOf(BlockingTimeout);
    expect(e.operation).toBe("close");
    await expect(exit).resolves.toBeTypeOf("number");
    expect(thrown(() => core.run("noop", client(), []))).toBeInstanceOf(BlockingClosed);
    core.close(); // still idempotent
  });

  it("starts no worker for a bridge that was never used", () => {
    const core = fakeBridge();
    core.close();
    expect(core._workerExit()).toBeUndefined();
  });
});

describe("secrets", () => {
  it("factory args (the application key) do not show in util.inspect of a bridge", () => {
    const core = fakeBridge("A", 10_000, { secret: "K005-very-secret" });
    core.run("noop", client(), []);
    try {
      expect(inspect(core, { depth: 10, showHidden: true })).not.toContain("very-secret");
    } finally {
      core.close();
    }
  });
});

describe("process lifetime", () => {
  const script = fileURLToPath(new URL("./fixtures/idle-client.ts", import.meta.url));
  const run = (arg: string) =>
    new Promise<{ code: number | null; out: string; ms: number }>((resolve, reject) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, ["--import", "tsx", script, arg], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(kill);
        resolve({ code, out, ms: Date.now() - t0 });
      });
    });

  it("a process with an idle Blocking bridge (and an open iterator) exits by itself", async () => {
    const r = await run("idle");
    expect(r.out).toContain("ready idle");
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(8000); // far below its 20 s call deadline and the 15 s kill
  });

  it("so does one whose bridge was closed", async () => {
    const r = await run("close");
    expect(r.out).toContain("ready idle");
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(8000);
  });
});

describe("two bridges in one process", () => {
  it("never mix answers, iterators or callbacks", () => {
    const a = fakeBridge("A");
    const b = fakeBridge("B");
    try {
      const wa = a.run("whoami", client(), []) as { name: string; threadId: number };
      const wb = b.run("whoami", client(), []) as { name: string; threadId: number };
      expect([wa.name, wb.name]).toEqual(["A", "B"]);
      expect(wa.threadId).not.toBe(wb.threadId);
      const ia = a.iterate("count", client(), [20]);
      const ib = b.iterate("pages", client(), [20]);
      for (let i = 0; i < 20; i++) {
        expect(a.run("echo", client(), [`a${i}`])).toBe(`a${i}`);
        expect(b.run("echo", client(), [`b${i}`])).toBe(`b${i}`);
        expect(ia.next().value).toBe(i);
        expect(ib.next().value).toEqual([i, `item${i}`]);
      }
      const seen: string[] = [];
      b.run("progress", client(), [
        { onProgress: (n: number) => seen.push(`${n}:${(a.run("whoami", client(), []) as { name: string }).name}`) },
      ]);
      expect(seen).toEqual(["1:A", "2:A", "3:A", "4:A", "5:A"]);
    } finally {
      a.close();
      b.close();
    }
  });

  it("reject a core module that is neither a URL nor an absolute path", () => {
    expect(() => new BlockingCore({ coreModule: "./relative.js", factory: "f", factoryArgs: [] })).toThrow(TypeError);
    expect(() => new BlockingCore({ coreModule: FAKE_CORE, factory: "f", factoryArgs: [], callTimeoutMs: 0 })).toThrow(
      RangeError,
    );
  });
});
