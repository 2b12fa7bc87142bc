import { describe, expect, it } from "vitest";
import { B2Error, BlockingTimeout } from "../../src/errors.js";
import { BlockingCore, BlockingWorkerFailed } from "../../src/blocking/index.js";
import { FAKE_CORE, client, fakeBridge, thrown } from "./helpers.js";

const who = (core: ReturnType<typeof fakeBridge>) =>
  (core.run("whoami", client(), []) as { threadId: number }).threadId;

describe("deadlines of the Blocking bridge", () => {
  it("a hung call throws BlockingTimeout naming the op instead of hanging", () => {
    const core = fakeBridge("A", 300);
    try {
      core.run("noop", client(), []); // worker started outside the measured call
      const t0 = Date.now();
      const e = thrown(() => core.run("hang", client(), [])) as BlockingTimeout;
      const ms = Date.now() - t0;
      expect(e).toBeInstanceOf(BlockingTimeout);
      expect(e).toBeInstanceOf(B2Error);
      expect(e.operation).toBe("hang");
      expect(e.code).toBe("blocking_timeout");
      expect(e.message).toContain("hang");
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(3000);
    } finally {
      core.close();
    }
  });

  it("counts a first call's deadline from the worker's start, not from the cold start", () => {
    const core = new BlockingCore({
      coreModule: FAKE_CORE,
      factory: "createFakeCore",
      factoryArgs: [{ name: "A" }],
      callTimeoutMs: 300,
      startTimeoutMs: 20_000,
    });
    try {
      const t0 = Date.now();
      const e = thrown(() => core.run("hang", client(), [])) as BlockingTimeout;
      expect(e).toBeInstanceOf(BlockingTimeout);
      expect(e.message).toContain("did not complete within 300 ms");
      expect(Date.now() - t0).toBeLessThan(5000); // not 20 s + 300 ms
    } finally {
      core.close();
    }
  });

  it("a worker that cannot load its core within startTimeoutMs times out as well", () => {
    const core = new BlockingCore({
      coreModule: new URL("./fixtures/slow-core.ts", import.meta.url),
      factory: "createSlowCore",
      factoryArgs: [],
      callTimeoutMs: 60_000,
      startTimeoutMs: 500,
    });
    try {
      const t0 = Date.now();
      const e = thrown(() => core.run("noop", client(), [])) as BlockingTimeout;
      expect(e).toBeInstanceOf(BlockingTimeout);
      expect(e.message).toContain("could not start");
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      core.close();
    }
  });

  it("resets the worker: a later call gets its own answer, never the stale one", async () => {
    const core = fakeBridge("A", 400);
    try {
      const first = who(core);
      const oldExit = core._workerExit();
      expect(thrown(() => core.run("sleepThen", client(), [1500, "stale"]))).toBeInstanceOf(BlockingTimeout);
      await expect(oldExit).resolves.toBeTypeOf("number"); // the abandoned worker really ended
      expect(core.run("sleepThen", client(), [20, "fresh"])).toBe("fresh");
      expect(core.run("echo", client(), ["again"])).toBe("again");
      expect(who(core)).not.toBe(first);
    } finally {
      core.close();
    }
  });

  it("recovers from a worker stuck in synchronous code", () => {
    const core = fakeBridge("A", 300);
    try {
      core.run("noop", client(), []);
      expect(thrown(() => core.run("spin", client(), [5000]))).toBeInstanceOf(BlockingTimeout);
      expect(core.run("echo", client(), [42])).toBe(42);
    } finally {
      core.close();
    }
  });

  it("an iterator of a reset worker fails clearly instead of hanging", () => {
    const core = fakeBridge("A", 300);
    try {
      const it = core.iterate("count", client(), [5]);
      expect(it.next().value).toBe(0);
      expect(thrown(() => core.run("hang", client(), []))).toBeInstanceOf(BlockingTimeout);
      expect(thrown(() => it.next())).toBeInstanceOf(BlockingWorkerFailed);
      expect(it.next()).toEqual({ done: true, value: undefined });
    } finally {
      core.close();
    }
  });

  it("a crashed worker fails the call at once with the crash as cause, and the next call restarts it", () => {
    const core = fakeBridge("A", 20_000);
    try {
      core.run("noop", client(), []);
      const t0 = Date.now();
      const e = thrown(() => core.run("crash", client(), [])) as BlockingWorkerFailed;
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(e).toBeInstanceOf(BlockingWorkerFailed);
      expect((e.cause as Error).message).toBe("worker blew up");
      expect(core.run("echo", client(), ["alive"])).toBe("alive");
    } finally {
      core.close();
    }
  });

  it("a core module that cannot be loaded fails the call instead of hanging", () => {
    const core = new BlockingCore({
      coreModule: new URL("./fixtures/no-such-core.ts", import.meta.url),
      factory: "createFakeCore",
      factoryArgs: [],
      callTimeoutMs: 20_000,
    });
    try {
      const t0 = Date.now();
      const e = thrown(() => core.run("noop", client(), [])) as Error;
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(e.message).toMatch(/no-such-core/);
    } finally {
      core.close();
    }
  });

  it("a missing factory export is reported as a TypeError", () => {
    const core = new BlockingCore({
      coreModule: new URL("./fixtures/fake-core.ts", import.meta.url),
      factory: "nope",
      factoryArgs: [],
    });
    try {
      const e = thrown(() => core.run("noop", client(), [])) as Error;
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain("nope");
    } finally {
      core.close();
    }
  });
});
