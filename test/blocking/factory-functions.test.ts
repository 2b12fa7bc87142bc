import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { BlockingTimeout } from "../../src/errors.js";
import { BlockingCore } from "../../src/blocking/index.js";
import { FAKE_CORE, client, fakeBridge, thrown } from "./helpers.js";

/** A bridge whose factory options carry a logger recording into `lines`. */
function withLogger(lines: unknown[], callTimeoutMs = 10_000, logger = (l: unknown) => void lines.push(l)) {
  return fakeBridge("L", callTimeoutMs, { logger });
}

describe("functions in factoryArgs", () => {
  it("run on the caller's thread while a call waits, in order, before it returns", () => {
    const lines: unknown[] = [];
    const core = withLogger(lines);
    try {
      const r = core.run("logLines", client(), [5]);
      lines.push(`returned ${String(r)}`);
      expect(lines).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4", "returned logged"]);
      const events: unknown[] = [];
      const both = withLogger(events);
      try {
        both.run("logLines", client(), [2]);
        // Also during an iterator's next(), which waits like any call.
        for (const x of both.iterate("count", client(), [2])) events.push(x);
        expect(events).toEqual(["line 0", "line 1", 0, 1]);
      } finally {
        both.close();
      }
    } finally {
      core.close();
    }
  });

  it("late calls made while no call waits run at the start of the next wait, before its own", async () => {
    const lines: unknown[] = [];
    const core = withLogger(lines);
    try {
      expect(core.run("logLater", client(), [30, "late"])).toBe("scheduled");
      await sleep(300); // the worker has logged by now, but nobody on this thread was waiting
      expect(lines).toEqual([]);
      core.run("logLines", client(), [1]);
      expect(lines).toEqual(["late", "line 0"]);
    } finally {
      core.close();
    }
  });

  it("a function that throws fails no call: a process warning is emitted instead", async () => {
    const core = withLogger([], 10_000, () => {
      throw new Error("logger broke");
    });
    try {
      const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
      expect(core.run("logLines", client(), [3])).toBe("logged");
      const w = await warned;
      expect(w.name).toBe("B2kitWarning");
      expect(w.message).toContain("logger broke");
    } finally {
      core.close();
    }
  });

  it("arguments structured clone refuses arrive as strings instead of failing the core", () => {
    const lines: unknown[] = [];
    const core = withLogger(lines);
    try {
      expect(core.run("logUncloneable", client(), [])).toBe("survived");
      expect(lines).toEqual(["an object with a method"]);
    } finally {
      core.close();
    }
  });

  it("keep working in the fresh worker after a reset", () => {
    const lines: unknown[] = [];
    const core = withLogger(lines, 300);
    try {
      core.run("noop", client(), []);
      expect(thrown(() => core.run("hang", client(), []))).toBeInstanceOf(BlockingTimeout);
      core.run("logLines", client(), [2]);
      expect(lines).toEqual(["line 0", "line 1"]);
    } finally {
      core.close();
    }
  });

  it("iterables cannot be factory args", () => {
    const gen = (function* () {})();
    expect(
      () => new BlockingCore({ coreModule: FAKE_CORE, factory: "createFakeCore", factoryArgs: [{ name: "x", gen }] }),
    ).toThrow(TypeError);
  });
});
