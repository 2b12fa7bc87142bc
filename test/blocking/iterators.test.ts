import { afterAll, describe, expect, it } from "vitest";
import { NotFound } from "../../src/errors.js";
import { BlockingClosed } from "../../src/blocking/index.js";
import { client, fakeBridge, thrown } from "./helpers.js";

describe("iterators of the Blocking bridge", () => {
  const core = fakeBridge();
  afterAll(() => core.close());
  const log = () => core.run("log", client(), []) as string[];
  const since = (before: string[]) => log().slice(before.length);

  it("yield every item in order, then end and release the worker-side iterator", () => {
    const before = log();
    expect([...core.iterate("count", client(), [4])]).toEqual([0, 1, 2, 3]);
    expect(since(before)).toEqual(["count opened", "count finally"]);
  });

  it("take the items the worker-side iterator already holds in one round trip, never fetching a page early", () => {
    const before = log();
    const it = core.iterate("listing", client(), [10, 4]);
    expect(it.next()).toEqual({ done: false, value: 0 });
    // The whole first page came over with item 0; the second page is not fetched yet.
    expect(since(before)).toEqual(["listing page 0", "pulled 0", "pulled 1", "pulled 2", "pulled 3"]);
    expect([it.next().value, it.next().value, it.next().value]).toEqual([1, 2, 3]);
    expect(since(before)).toHaveLength(5); // served from what came over: no worker call
    expect(it.next().value).toBe(4);
    expect(since(before).slice(5)).toEqual(["listing page 1", "pulled 4", "pulled 5", "pulled 6", "pulled 7"]);
    expect([...{ [Symbol.iterator]: () => it }]).toEqual([5, 6, 7, 8, 9]);
  });

  it("release the worker-side iterator on an early break (its finally runs)", () => {
    const before = log();
    const seen: unknown[] = [];
    for (const x of core.iterate("count", client(), [100])) {
      seen.push(x);
      if (x === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(since(before)).toEqual(["count opened", "count finally"]);
  });

  it("do nothing in the worker until the first next()", () => {
    const before = log();
    const it = core.iterate("count", client(), [3]);
    expect(since(before)).toEqual([]);
    it.return?.();
    expect(it.next()).toEqual({ done: true, value: undefined });
    expect(since(before)).toEqual([]);
  });

  it("rethrow a worker-side error with its class and end", () => {
    const before = log();
    const it = core.iterate("failAt", client(), [10]);
    expect(it.next().value).toBe(0);
    expect(it.next().value).toBe(1);
    const e = thrown(() => it.next()) as NotFound;
    expect(e).toBeInstanceOf(NotFound);
    expect(e.operation).toBe("b2_list_file_names");
    expect(it.next()).toEqual({ done: true, value: undefined });
    expect(since(before)).toEqual(["failAt opened", "failAt finally"]);
  });

  it("copy the worker-side state back after each item", () => {
    const state = { kind: "Bucket" as const, bucketId: "b1", page: -1 };
    const pages: number[] = [];
    for (const [i] of core.iterate("pages", state, [3]) as Iterable<[number, string]>) {
      pages.push(state.page);
      expect(state.page).toBe(i);
    }
    expect(pages).toEqual([0, 1, 2]);
  });

  it("interleave two open iterators on one bridge", () => {
    const a = core.iterate("count", client(), [3]);
    const b = core.iterate("chunks", client(), [3]);
    const out: unknown[] = [];
    for (;;) {
      const x = a.next();
      const y = b.next();
      if (x.done === true || y.done === true) break;
      out.push(x.value, (y.value as Uint8Array)[0]);
    }
    expect(out).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("throw BlockingClosed from next() after close(), while return() stays quiet", () => {
    const other = fakeBridge("B");
    const it = other.iterate("count", client(), [5]);
    expect(it.next().value).toBe(0);
    other.close();
    expect(it.return?.()).toEqual({ done: true, value: undefined });
    const it2 = other.iterate.bind(other);
    expect(thrown(() => it2("count", client(), [1]))).toBeInstanceOf(BlockingClosed);
  });
});
