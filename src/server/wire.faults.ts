/** A Transform that lets bytes through at most `bytesPerSec` (slow_body fault, network profile). */
import { Transform, type TransformCallback } from "node:stream";

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
