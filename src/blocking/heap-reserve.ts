/**
 * Live heap kept by the Blocking worker for its whole life, so that V8 does not run a full
 * mark-compact every few megabytes of a transfer.
 *
 * The worker's heap holds little more than the SDK (~8 MB). V8 sizes its old-generation limits
 * from the live heap, and a download turns over ~16,000 socket buffers per GiB, a few of which
 * are promoted each scavenge: with so small a heap that crossed the limit almost every time.
 * Measured on a 1 GiB Blocking `save` over loopback (bench harness, 2 runs each): no reserve
 * 47–48 mark-compacts, 433–440 MB/s, 2.76–2.78 s CPU; 2 MB: 51–55, 419–448 MB/s; 4 MB: 1–2,
 * 538–624 MB/s, ~2.05 s; 8 MB: 1, 560–563 MB/s, 2.15–2.35 s. An application's main thread
 * (Awaiting) usually holds more than this already; the worker's heap is the SDK's own business.
 */

/** 8 MB of doubles on the V8 heap (an array of numbers; a typed array's memory would not count). */
const RESERVE_ELEMENTS = 1 << 20;

let reserve: number[] | undefined;

/** Takes the reserve (once per worker). */
export function holdHeapReserve(): void {
  reserve ??= new Array<number>(RESERVE_ELEMENTS).fill(0.5);
}

