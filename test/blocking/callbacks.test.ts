import { afterAll, describe, expect, it } from "vitest";
import { extractCallbacks, installCallbacks } from "../../src/blocking/callbacks.js";
import { client, fakeBridge, thrown } from "./helpers.js";

describe("callbacks through the Blocking bridge", () => {
  const core = fakeBridge("A");
  const other = fakeBridge("B");
  afterAll(() => {
    core.close();
    other.close();
  });
  const log = () => core.run("log", client(), []) as string[];

  it("fire on the caller's thread, in order, while the call is in progress", () => {
    const events: string[] = [];
    const settings = {
      onProgress: (n: number) => events.push(`p${n}`),
      nested: { tick: (s: string) => events.push(s) },
      keep: 1,
    };
    const r = core.run("progress", client(), [settings]);
    events.push(`returned ${String(r)}`);
    expect(events).toEqual(["p1", "p2", "p3", "p4", "p5", "end", "returned done"]);
    expect(typeof settings.onProgress).toBe("function"); // the caller's args are not modified
  });

  it("a callback that throws aborts the call with that very error, and the bridge stays usable", () => {
    const before = log().length;
    const mine = new Error("stop here");
    const seen: number[] = [];
    const e = thrown(() =>
      core.run("progressUntilAbort", client(), [
        {
          onProgress: (n: number) => {
            seen.push(n);
            if (n === 3) throw mine;
          },
        },
      ]),
    );
    expect(e).toBe(mine);
    expect(seen).toEqual([1, 2, 3]); // nothing after the throw
    expect(log().slice(before)).toEqual(["progressUntilAbort stopped: CallbackAborted"]);
    expect(core.run("echo", client(), ["ok"])).toBe("ok");
  });

  it("may make Blocking calls themselves, on the same bridge and on another", () => {
    const inner: unknown[] = [];
    const r = core.run("progress", client(), [
      {
        onProgress: (n: number) => {
          inner.push(core.run("echo", client(), [n * 10]));
          inner.push((other.run("whoami", client(), []) as { name: string }).name);
        },
      },
    ]);
    expect(r).toBe("done");
    expect(inner).toEqual([10, "B", 20, "B", 30, "B", 40, "B", 50, "B"]);
  });

  it("fire during iteration, before the item they precede", () => {
    const events: string[] = [];
    for (const x of core.iterate("count", client(), [3, { onProgress: (n: number) => events.push(`cb${n}`) }])) {
      events.push(`item${String(x)}`);
    }
    expect(events).toEqual(["cb0", "item0", "cb1", "item1", "cb2", "item2"]);
  });

  it("a throwing callback during iteration ends the iterator and releases it in the worker", () => {
    const before = log().length;
    const mine = new RangeError("enough");
    const it = core.iterate("count", client(), [
      10,
      {
        onProgress: (n: number) => {
          if (n === 1) throw mine;
        },
      },
    ]);
    expect(it.next().value).toBe(0);
    expect(thrown(() => it.next())).toBe(mine);
    expect(it.next()).toEqual({ done: true, value: undefined });
    expect(log().slice(before)).toEqual(["count opened", "count finally"]);
  });
});

describe("extractCallbacks / installCallbacks", () => {
  it("replaces functions at any depth by paths, copying only the containers on the way", () => {
    const f = () => 1;
    const g = () => 2;
    const untouched = { a: 1 };
    const args = [{ onProgress: f, deep: [{ g }], untouched }, "x"];
    const x = extractCallbacks(args);
    expect(x.fns).toEqual([f, g]);
    expect(x.paths).toEqual([
      [0, "onProgress"],
      [0, "deep", 0, "g"],
    ]);
    const out = x.args as [Record<string, unknown>, string];
    expect(out[0]["onProgress"]).toBeUndefined();
    expect(out[0]["untouched"]).toBe(untouched);
    expect((args[0] as Record<string, unknown>)["onProgress"]).toBe(f); // input unchanged

    const cloned = structuredClone(x.args);
    const calls: number[] = [];
    installCallbacks(cloned, x.paths, (i) => () => calls.push(i));
    (cloned[0] as { deep: [{ g: () => void }] }).deep[0].g();
    (cloned[0] as { onProgress: () => void }).onProgress();
    expect(calls).toEqual([1, 0]);
  });

  it("leaves args without functions as they are", () => {
    const args = [{ a: [1, 2] }, new Uint8Array(2)];
    expect(extractCallbacks(args).args).toBe(args);
  });
});
