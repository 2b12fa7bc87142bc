import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { BlockingTimeout, NotFound, ValidationError } from "../../src/errors.js";
import { transferChunks } from "../../src/blocking/index.js";
import { extractCallbacks, isSource } from "../../src/blocking/callbacks.js";
import { client, fakeBridge, thrown } from "./helpers.js";

const MiB = 1024 * 1024;
type Consumed = { bytes: number; chunks: number; sha256: string; allUint8: boolean };
const sha = (parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

/** n chunks of `size` bytes, chunk i filled with i; logs what happens to it. */
function* numbered(n: number, size: number, log: string[] = []): Generator<Uint8Array> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`yield ${i}`);
      yield new Uint8Array(size).fill(i);
    }
  } finally {
    log.push("finally");
  }
}

describe("pull sources in args", () => {
  const core = fakeBridge();
  afterAll(() => core.close());

  it("reach the core as an async iterable of Uint8Array, pulled lazily with nothing read ahead", () => {
    const log: string[] = [];
    const r = core.run("consume", client(), [
      {
        source: numbered(5, 1000, log),
        onChunk: (i: number, bytes: number) => log.push(`got ${i} (${bytes})`),
      },
    ]) as Consumed;
    const expected = Array.from({ length: 5 }, (_, i) => new Uint8Array(1000).fill(i));
    expect(r).toEqual({ bytes: 5000, chunks: 5, sha256: sha(expected), allUint8: true });
    // Each chunk is produced only once the consumer has taken the previous one.
    expect(log).toEqual([
      "yield 0",
      "got 0 (1000)",
      "yield 1",
      "got 1 (2000)",
      "yield 2",
      "got 2 (3000)",
      "yield 3",
      "got 3 (4000)",
      "yield 4",
      "got 4 (5000)",
      "finally",
    ]);
  });

  it("copy chunks by default, so a generator may reuse its buffer", () => {
    const buf = new Uint8Array(4096);
    function* reusing() {
      for (let i = 1; i <= 4; i++) yield buf.fill(i);
    }
    const r = core.run("consume", client(), [{ source: reusing() }]) as Consumed;
    const expected = [1, 2, 3, 4].map((i) => new Uint8Array(4096).fill(i));
    expect(r.bytes).toBe(4 * 4096);
    expect(r.sha256).toBe(sha(expected));
    expect(buf.byteLength).toBe(4096); // not detached
  });

  it("accept Buffers, views of larger buffers and any iterable object, arriving as plain Uint8Array", () => {
    const big = new Uint8Array(100).map((_, i) => i);
    const parts = [Buffer.from("hello "), big.subarray(10, 20), new Uint8Array(0), Buffer.from("world")];
    const iterable = { [Symbol.iterator]: () => parts[Symbol.iterator]() };
    const r = core.run(
      "consume",
      client(),
      [{ nested: [{ source: iterable }] }].map((x) => x.nested[0]),
    ) as Consumed;
    expect(r).toEqual({ bytes: 21, chunks: 4, sha256: sha(parts), allUint8: true });
    expect(big.byteLength).toBe(100);
  });

  it("move the chunks of a source wrapped in transferChunks (the caller's buffers are detached)", () => {
    const given: Uint8Array[] = [];
    function* fresh() {
      for (let i = 0; i < 3; i++) {
        const c = new Uint8Array(2048).fill(i + 7);
        given.push(c);
        yield c;
      }
    }
    const r = core.run("consume", client(), [{ source: transferChunks(fresh()) }]) as Consumed;
    expect(r.bytes).toBe(3 * 2048);
    expect(r.sha256).toBe(sha([7, 8, 9].map((i) => new Uint8Array(2048).fill(i))));
    expect(given.map((c) => c.byteLength)).toEqual([0, 0, 0]);
  });

  it("an early stop in the core runs the caller's return() (its finally) before the call returns", () => {
    const log: string[] = [];
    const r = core.run("consume", client(), [{ source: numbered(100, 10, log), stopAfter: 2 }]) as Consumed;
    log.push("returned");
    expect(r.chunks).toBe(2);
    expect(log).toEqual(["yield 0", "yield 1", "finally", "returned"]);
  });

  it("the core sees what the caller's iterator threw, and the call fails with that very object", () => {
    const mine = new RangeError("disk on fire");
    function* failing() {
      yield new Uint8Array(8);
      throw mine;
    }
    expect(core.run("consumeCatch", client(), [{ source: failing() }])).toEqual({
      caught: { name: "RangeError", message: "disk on fire", isRangeError: true },
    });
    expect(thrown(() => core.run("consume", client(), [{ source: failing() }]))).toBe(mine);
    // An error of the core's own (here wrapping it) is rebuilt as usual.
    const wrapped = thrown(() => core.run("consumeWrap", client(), [{ source: failing() }])) as NotFound;
    expect(wrapped).toBeInstanceOf(NotFound);
    expect((wrapped.cause as Error).message).toBe("disk on fire");
  });

  it("a chunk that is not bytes fails the call with a ValidationError (as in Awaiting) and closes the caller's iterator", () => {
    const log: string[] = [];
    function* bad() {
      try {
        yield "text";
      } finally {
        log.push("finally");
      }
    }
    const e = thrown(() => core.run("consume", client(), [{ source: bad() }])) as Error;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain("expected Uint8Array");
    expect(log).toEqual(["finally"]);
  });

  it("a source the core leaves unfinished is returned when the call ends; one never touched is left alone", () => {
    const log: string[] = [];
    const untouched = numbered(3, 1, []);
    expect(core.run("takeOne", client(), [{ source: numbered(10, 5, log), spare: untouched }])).toBe(5);
    expect(log).toEqual(["yield 0", "finally"]);
    expect(untouched.next().value).toEqual(new Uint8Array(1)); // still usable by its owner
  });

  it("serve concurrent next() calls one at a time, in order", () => {
    expect(core.run("nextThreeAtOnce", client(), [{ source: numbered(2, 4) }])).toEqual([0, 1, "done"]);
  });

  it("work in iterators: pulled as items are asked for, returned on an early break", () => {
    const log: string[] = [];
    const out: unknown[] = [];
    for (const n of core.iterate("eachChunk", client(), [1, { source: numbered(10, 3, log) }])) {
      out.push(n);
      log.push(`item ${String(n)}`);
      if (out.length === 2) break;
    }
    expect(out).toEqual([3, 3]);
    expect(log).toEqual(["yield 0", "item 3", "yield 1", "item 3", "finally"]);
    expect([...core.iterate("eachChunk", client(), [1, { source: numbered(3, 2) }])]).toEqual([2, 2, 2]);
  });

  it("stream 64 MiB of 1 MiB chunks without the caller's memory growing by the full size", () => {
    const chunk = (i: number) => {
      const c = new Uint8Array(MiB).fill(i); // every page touched, so it counts in RSS
      c[MiB - 1] = 255 - i;
      return c;
    };
    function* source() {
      for (let i = 0; i < 64; i++) yield chunk(i);
    }
    const expected = createHash("sha256");
    for (let i = 0; i < 64; i++) expected.update(chunk(i));
    const expectedHex = expected.digest("hex");
    const stream = () => {
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const t0 = performance.now();
      const r = core.run("consume", client(), [
        { source: source(), onChunk: () => (peak = Math.max(peak, process.memoryUsage().rss)) },
      ]) as Consumed;
      return { r, ms: performance.now() - t0, growth: peak - rss0 };
    };
    // The first stream also pays for V8 not collecting garbage before ~64 MB of external memory
    // has been allocated; a bridge that kept or read ahead chunks would grow by the full 64 MiB
    // on every stream, the second included.
    const first = stream();
    const second = stream();
    for (const { r } of [first, second]) {
      expect([r.bytes, r.chunks, r.sha256]).toEqual([64 * MiB, 64, expectedHex]);
    }
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(
      `64 MiB pulled in ${second.ms.toFixed(0)} ms; peak RSS growth ${mib(first.growth)} MiB (first), ${mib(second.growth)} MiB (second)`,
    );
    expect(second.growth).toBeLessThan(48 * MiB);
  });

  it("a call that times out while holding a source returns the caller's iterator", () => {
    const slow = fakeBridge("slow", 300);
    try {
      slow.run("noop", client(), []);
      const log: string[] = [];
      expect(thrown(() => slow.run("takeOneThenHang", client(), [{ source: numbered(5, 1, log) }]))).toBeInstanceOf(
        BlockingTimeout,
      );
      expect(log).toEqual(["yield 0", "finally"]);
    } finally {
      slow.close();
    }
  });
});

describe("isSource / extractCallbacks", () => {
  it("take generators and other iterable objects, not values structured clone carries", () => {
    expect(isSource(numbered(1, 1))).toBe(true);
    expect(isSource({ [Symbol.iterator]: () => [][Symbol.iterator]() })).toBe(true);
    expect(isSource(new Set([1]).values())).toBe(true);
    for (const v of [
      [1],
      new Uint8Array(1),
      Buffer.from("x"),
      new Map(),
      new Set(),
      "str",
      new String("s"),
      {},
      null,
    ]) {
      expect(isSource(v)).toBe(false);
    }
  });

  it("replace sources at any depth by paths, leaving the input alone", () => {
    const g = numbered(1, 1);
    const args = [{ a: [{ source: g }], n: 1 }];
    const x = extractCallbacks(args);
    expect(x.sources.length).toBe(1);
    expect(x.sources[0]).toBe(g);
    expect(x.sourcePaths).toEqual([[0, "a", 0, "source"]]);
    expect((x.args[0] as { a: [{ source: unknown }] }).a[0].source).toBeUndefined();
    expect(args[0]?.a[0]?.source).toBe(g);
  });
});
