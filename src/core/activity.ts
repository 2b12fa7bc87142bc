/**
 * Signs of life of transfers, per thread, for the Blocking worker (blocking/worker.ts), which
 * looks about once a second to tell a call that is slow but moving from a stuck one; nothing
 * else reads them.
 *
 * - A count of steps where bytes move: a body chunk handed to the socket or drained from it, a
 *   body chunk read, a pre-hash read. One increment per chunk: nothing next to the chunk.
 * - Uploads whose whole body is handed to the socket and whose answer has not come. Their last
 *   bytes may still be in the socket's buffers (several MB: all of a small body on loopback),
 *   moving where no one can see them, so these count as moving until the answer comes or the
 *   attempt's `timeout` ends them (a stalled attempt is that timeout's to bound).
 *
 * Kept on globalThis under a registered symbol, so the worker and whatever copy of the core it
 * loaded (src/ or dist/, a test's own core) share them.
 */
import type { ClientRequest } from "node:http";

const KEY = Symbol.for("b2kit.activity");
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { moved: 0, awaiting: 0 }) as { moved: number; awaiting: number };

/** Some bytes moved. */
export function bytesMoved(): void {
  state.moved++;
}

/** An upload request: from when its body is all handed over until its answer (or its end), it counts as moving. */
export function awaitingAnswer(request: ClientRequest): void {
  let counted = false;
  let over = false;
  request.once("finish", () => {
    if (over) return; // answered before the body was all sent
    counted = true;
    state.awaiting++;
  });
  const end = (): void => {
    if (over) return;
    over = true;
    if (counted) state.awaiting--;
  };
  request.once("response", end);
  request.once("close", end);
}

/** A number that changes whenever bytes move, and whether uploads are waiting for answers. */
export function activity(): { moved: number; awaiting: boolean } {
  return { moved: state.moved, awaiting: state.awaiting > 0 };
}
