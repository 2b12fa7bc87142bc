/** Wire misbehaviour for faults and the network profile, as stream transforms. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";

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

/** Sends half of the response body, then cuts the connection. */
export async function resetMidResponse(res: ServerResponse, body: Readable, length: number): Promise<void> {
  const socket = res.socket;
  let sent = 0;
  const half = Math.max(1, Math.floor(length / 2));
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const take = chunk.subarray(0, Math.max(0, half - sent));
    if (take.length && !res.write(take)) await new Promise((r) => res.once("drain", r));
    sent += take.length;
    if (sent >= half) break;
  }
  await new Promise((r) => setTimeout(r, 20));
  socket?.destroy();
  body.destroy();
}

/** Reads part of the request body, then cuts the connection: nothing is committed. */
export async function resetMidUpload(req: IncomingMessage): Promise<void> {
  const socket = req.socket;
  const length = Number(req.headers["content-length"] ?? 0);
  let got = 0;
  await new Promise<void>((resolve) => {
    const cut = (): void => {
      socket.destroy();
      resolve();
    };
    req.on("data", (chunk: Buffer) => {
      got += chunk.length;
      if (got >= length / 2) cut();
    });
    req.on("end", cut);
    req.on("error", cut);
  });
}

export async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) void _;
}
