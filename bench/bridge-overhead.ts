/**
 * Blocking bridge costs, measured on the fake async core of the bridge tests:
 *   - first call (worker start; under tsx in dev, plain JS from dist/)
 *   - per-call round trip of a no-op (median and p90 of N single calls), against an in-thread
 *     `await` of the same core for reference
 *   - per-item cost of a worker-side iterator
 *   - a 50 MB Uint8Array result: transfer time, whether the worker's buffer was detached, the
 *     RSS growth, and what a structured-clone copy of 50 MB costs for comparison
 *   - pulling a 64 MiB source of 1 MiB chunks from a caller-side generator (MB/s), copied (the
 *     default) and moved (`transferChunks`), with the peak RSS growth
 * Run: node --import tsx bench/bridge-overhead.ts [N]
 */
import { BlockingCore, transferChunks } from "../src/blocking/index.js";
import { createFakeCore } from "../test/blocking/fixtures/fake-core.js";

const N = Number(process.argv[2] ?? 5000);
const MB50 = 50 * 1024 * 1024;
const state = { kind: "Client" as const };

function stats(samples: number[]): { median: number; p90: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p90: at(0.9) };
}
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const core = new BlockingCore({
  coreModule: new URL("../test/blocking/fixtures/fake-core.ts", import.meta.url),
  factory: "createFakeCore",
  factoryArgs: [{ name: "bench" }],
  callTimeoutMs: 60_000,
});

let t = performance.now();
core.run("noop", state, []);
console.log(`first call (worker start + core load): ${(performance.now() - t).toFixed(1)} ms`);

for (let i = 0; i < 500; i++) core.run("noop", state, []); // warm up both sides
const sync: number[] = [];
for (let i = 0; i < N; i++) {
  t = performance.now();
  core.run("noop", state, []);
  sync.push(performance.now() - t);
}
const local = createFakeCore({ name: "local" });
const awaited: number[] = [];
for (let i = 0; i < 500; i++) await local.run("noop", state, []);
for (let i = 0; i < N; i++) {
  t = performance.now();
  await local.run("noop", state, []);
  awaited.push(performance.now() - t);
}
const s = stats(sync);
const a = stats(awaited);
console.log(`no-op Blocking call, N=${N}: median ${us(s.median)}, p90 ${us(s.p90)}`);
console.log(`no-op awaited in-thread, N=${N}: median ${us(a.median)} (so the bridge adds ~${us(s.median - a.median)})`);

const ITEMS = 2000;
t = performance.now();
let count = 0;
for (const _ of core.iterate("countFast", state, [ITEMS])) count++;
const perItem = (performance.now() - t) / count;
console.log(`iterator: ${count} items, ${us(perItem)} per item`);
t = performance.now();
let events = 0;
core.run("progress", state, [{ onProgress: () => events++ }]);
console.log(
  `call with ${events} callback events: ${(performance.now() - t).toFixed(2)} ms (fake core sleeps 2 × 5 ms)`,
);

const transfers: number[] = [];
const rssGrowth: number[] = [];
let detached = true;
for (let i = 0; i < 5; i++) {
  const rss0 = process.memoryUsage().rss;
  t = performance.now();
  const r = core.run("big", state, [MB50, true]) as { data: Uint8Array };
  transfers.push(performance.now() - t);
  rssGrowth.push(process.memoryUsage().rss - rss0);
  if (r.data.byteLength !== MB50) throw new Error("wrong size");
  const k = core.run("keptDetached", state, []) as { bufferByteLength: number };
  detached &&= k.bufferByteLength === 0;
}
const big = stats(transfers);
console.log(
  `50 MB result, 5 runs: median ${big.median.toFixed(1)} ms (allocating and filling it in the worker included), ` +
    `worker buffer detached every time: ${detached}, RSS growth per call median ${mb(stats(rssGrowth).median)}`,
);
const src = new Uint8Array(MB50).fill(1);
const copies: number[] = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  structuredClone(src);
  copies.push(performance.now() - t);
}
console.log(
  `for comparison, one structured-clone copy of 50 MB on this machine: median ${stats(copies).median.toFixed(1)} ms`,
);

const MiB = 1024 * 1024;
function* generated(): Generator<Uint8Array> {
  for (let i = 0; i < 64; i++) yield new Uint8Array(MiB).fill(i); // fresh, every page touched
}
for (const [label, wrap] of [
  ["copied", (g: Iterable<Uint8Array>) => g],
  ["moved (transferChunks)", transferChunks],
] as const) {
  const rates: number[] = [];
  const growth: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    t = performance.now();
    const r = core.run("consume", state, [
      { source: wrap(generated()), noHash: true, onChunk: () => (peak = Math.max(peak, process.memoryUsage().rss)) },
    ]) as { bytes: number };
    const ms = performance.now() - t;
    if (r.bytes !== 64 * MiB) throw new Error("wrong size");
    rates.push((64 * MiB) / 1e6 / (ms / 1000));
    growth.push(peak - rss0);
  }
  const sorted = [...rates].sort((x, y) => x - y);
  console.log(
    `64 MiB source pulled in 1 MiB chunks, ${label}, 5 runs: median ${(sorted[2] as number).toFixed(0)} MB/s ` +
      `(generator allocation and fill included), peak RSS growth per run median ${mb(stats(growth).median)}, ` +
      `max ${mb(Math.max(...growth))}`,
  );
}
core.close();
