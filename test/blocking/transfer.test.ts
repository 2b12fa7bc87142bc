import { afterAll, describe, expect, it } from "vitest";
import { prepareTransfer } from "../../src/blocking/transfer.js";
import { client, fakeBridge } from "./helpers.js";

const MB50 = 50 * 1024 * 1024;

describe("buffers crossing the Blocking bridge", () => {
  const core = fakeBridge();
  afterAll(() => core.close());

  it("moves a 50 MB result without copying: the worker's buffer is detached", () => {
    core.run("noop", client(), []); // start the worker outside the timing
    const t0 = performance.now();
    const r = core.run("big", client(), [MB50]) as { data: Uint8Array; size: number };
    const ms = performance.now() - t0;
    expect(r.size).toBe(MB50);
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(r.data.byteLength).toBe(MB50);
    expect(r.data.buffer.byteLength).toBe(MB50);
    expect([r.data[0], r.data[4095], r.data[4096], r.data[MB50 - 1]]).toEqual([7, 7, 0, 9]);
    // Transferred, not cloned: the worker-side buffer it kept a reference to is now empty.
    expect(core.run("keptDetached", client(), [])).toEqual({ byteLength: 0, bufferByteLength: 0 });
    // Generous bound; a structured-clone copy of 50 MB plus allocation is what this guards against
    // together with the detach check above (timing alone would be flaky).
    expect(ms).toBeLessThan(2000);
  });

  it("compacts a view of part of a larger buffer instead of moving the whole buffer", () => {
    const part = core.run("slice", client(), []) as Uint8Array;
    expect(part.byteLength).toBe(100);
    expect(part.buffer.byteLength).toBe(100);
    expect(part[0]).toBe(100 % 251);
    expect(part[99]).toBe(199 % 251);
    // The worker still owns its whole buffer: nothing of it was detached.
    expect(core.run("keptDetached", client(), [])).toEqual({ byteLength: 1000, bufferByteLength: 1000 });
  });

  it("copies arguments: the caller's buffer stays intact", () => {
    const arg = new Uint8Array(MB50 / 10).fill(3);
    arg[arg.length - 1] = 4;
    const info = core.run("argInfo", client(), [arg]);
    expect(info).toEqual({ length: arg.length, first: 3, last: 4 });
    expect(arg.byteLength).toBe(MB50 / 10);
    expect(arg[0]).toBe(3);
  });

  it("transfers chunks yielded by an iterator", () => {
    const chunks = [...core.iterate("chunks", client(), [3])] as Uint8Array[];
    expect(chunks.map((c) => [c.byteLength, c[0]])).toEqual([
      [1024, 0],
      [1024, 1],
      [1024, 2],
    ]);
  });
});

describe("prepareTransfer", () => {
  it("lists each whole buffer once, at any depth, without touching the input", () => {
    const a = new Uint8Array(8);
    const same = new Uint8Array(a.buffer);
    const input = { x: [a, { y: same }], n: 1 };
    const p = prepareTransfer(input);
    expect(p.transfer).toEqual([a.buffer]);
    expect(p.value).toBe(input);
  });

  it("leaves shared and empty buffers alone and copies partial views into own buffers", () => {
    const shared = new Uint8Array(new SharedArrayBuffer(16));
    const empty = new Uint8Array(0);
    const big = new Uint8Array(64).fill(5);
    const input = [shared, empty, big.subarray(8, 16)];
    const p = prepareTransfer(input);
    const out = p.value as Uint8Array[];
    expect(out).not.toBe(input);
    expect(input[2]?.buffer).toBe(big.buffer); // input unchanged
    expect(out[0]).toBe(shared);
    expect(out[1]).toBe(empty);
    expect(out[2]?.buffer.byteLength).toBe(8);
    expect(p.transfer).toEqual([out[2]?.buffer]);
  });
});
