/**
 * Live heap held while a parallel download runs, so that V8 does not run a full mark-compact
 * every few megabytes of it. The Blocking worker, whose heap holds little more than the SDK,
 * holds it for its whole life (measured on a 1 GiB Blocking `save`: no headroom 47–48
 * mark-compacts, 433–440 MB/s; 8 MB: 1, 560–563 MB/s).
 *
 * A download turns over ~16,000 socket buffers per GiB, and a few are promoted at each
 * scavenge. In a process whose heap holds little more than the SDK (a script, a CLI), the
 * old-generation limit V8 derives from that small live heap is crossed again and again.
 * Measured on a 1 GiB Awaiting `save` over loopback (bench job, 5 runs): without it 2 of 5 runs
 * had 39–48 mark-compacts (454–459 MB/s, 2.7–2.9 s CPU), the others 1 (512–568 MB/s, ~2.1 s).
 * An application with a larger heap has that headroom already; 8 MB more while a transfer runs
 * costs it nothing measurable.
 */

/** 8 MB of doubles on the V8 heap (a typed array's memory would not count). */
const ELEMENTS = 1 << 20;

let holders = 0;
let reserve: number[] | undefined;

/** Holds the headroom until the returned release is called (shared by concurrent downloads). */
export function holdHeapHeadroom(): () => void {
  if (holders++ === 0) reserve = new Array<number>(ELEMENTS).fill(0.5);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) reserve = undefined;
  };
}

/** Whether headroom is held now (tests). */
export function heapHeadroomHeld(): boolean {
  return reserve !== undefined;
}
