/** Wire misbehaviour for faults and the network profile, as stream transforms. */
import { Transform, type TransformCallback } from "node:stream";

/** Lets bytes through at most `bytesPerSec` (slow_body fault, network profile). */
export function throttle(bytesPerSec: number): Transform {
  const start = Date.now();
  let sent = 0;
  const slice = Math.max(1, Math.floor(bytesPerSec / 20));
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const push = async (): Promise<void> => {
        for (let i = 0; i < chunk.length; i += slice) {
          const piece = chunk.subarray(i, i + slice);
          sent += piece.length;
          const due = start + (sent / bytesPerSec) * 1000;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          this.push(piece);
        }
      };
      push().then(() => done(), done);
    },
  });
}

/** Passes the first half of a `length`-byte body, then pauses `ms` before the rest (a stall mid-body). */
export function stallHalfway(length: number, ms: number): Transform {
  const half = Math.floor(length / 2);
  let sent = 0;
  let stalled = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (stalled || sent + chunk.length < half) {
        sent += chunk.length;
        return done(null, chunk);
      }
      const cut = half - sent;
      this.push(chunk.subarray(0, cut));
      stalled = true;
      sent += chunk.length;
      setTimeout(() => done(null, chunk.subarray(cut)), ms);
    },
  });
}
