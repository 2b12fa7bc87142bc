/** The HTTP server itself (runs in the child process): node:http + the router, optional network shaping. */
import { createServer, type Server } from "node:http";
import { handle, sendError } from "./http.js";
import type { ServerState } from "./state.js";

export interface Shape {
  bytesPerSec?: number;
  latencyMs?: number;
}

export function createApp(state: ServerState, shape?: Shape): Server {
  const server = createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 0, keepAliveTimeout: 30_000, highWaterMark: 1 << 20 }, (req, res) => {
    const run = (): void => {
      handle(state, req, res).catch((error: unknown) => sendError(res, error));
    };
    if (shape?.latencyMs) setTimeout(run, shape.latencyMs);
    else run();
  });
  if (shape?.bytesPerSec) shapeConnections(server, shape.bytesPerSec);
  // Requests Node's parser rejects (oversized headers, malformed HTTP) still get a B2 error body.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ status, code: "bad_request", message: `malformed request (${error.code ?? "parse error"})` });
    socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** Caps each connection's outgoing throughput by pacing socket writes. */
function shapeConnections(server: Server, bytesPerSec: number): void {
  server.on("connection", (socket) => {
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    let due = Date.now();
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      const size = typeof chunk === "string" ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
      due = Math.max(due, Date.now()) + (size / bytesPerSec) * 1000;
      const wait = due - Date.now();
      if (wait <= 1) return write(chunk, ...rest);
      socket.pause();
      setTimeout(() => {
        write(chunk, ...rest);
        socket.resume();
        socket.emit("drain");
      }, wait);
      return false;
    }) as typeof socket.write;
  });
}
