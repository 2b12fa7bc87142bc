/** The HTTP server itself (runs in the child process): node:http + the router, optional network shaping. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { handle, sendError } from "./http.js";
import type { ServerState } from "./state.js";

export interface Shape {
  bytesPerSec?: number;
  latencyMs?: number;
}

export interface Timeouts {
  /** Longest wait for a complete request head (e.g. on a connection that sends nothing), in ms (0: none). Default 60 s. */
  headersTimeoutMs?: number;
  /**
   * Closes a connection that goes this long without a byte either way while the server waits on the client (a
   * request body that stops coming, a response the client stops reading), in ms (0: never). Default 120 s.
   */
  idleTimeoutMs?: number;
}

export function createApp(state: ServerState, shape?: Shape, timeouts: Timeouts = {}): Server {
  const headersTimeout = timeouts.headersTimeoutMs ?? 60_000;
  const idleTimeout = timeouts.idleTimeoutMs ?? 120_000;
  // No requestTimeout: a large upload over a slow link may take hours and is fine as long as bytes keep coming
  // (the idle timeout below). Node checks the head deadline every connectionsCheckingInterval (30 s by default):
  // a quarter of the timeout keeps a small one (tests) close to its value.
  const checkEvery = Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4)));
  const options = { maxHeaderSize: 32 * 1024, requestTimeout: 0, headersTimeout, connectionsCheckingInterval: checkEvery, keepAliveTimeout: 30_000, highWaterMark: 1 << 20 };
  const server = createServer(options, (req, res) => {
    // Handled here (so Node does not destroy the socket on every timeout): see onIdle.
    if (idleTimeout > 0) res.on("timeout", () => onIdle(req, idleTimeout));
    const run = (): void => {
      handle(state, req, res).catch((error: unknown) => sendError(res, error));
    };
    if (shape?.latencyMs) setTimeout(run, shape.latencyMs);
    else run();
  });
  // The socket inactivity timer (every byte read or written re-arms it); between requests keepAliveTimeout applies.
  server.timeout = idleTimeout;
  if (shape?.bytesPerSec) shapeConnections(server, shape.bytesPerSec);
  // Requests Node's parser rejects (oversized headers, malformed HTTP) still get a B2 error body.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      // headersTimeout: no complete request head in time (a connection that sends nothing, or too slowly).
      const body = JSON.stringify({ status: 408, code: "request_timeout", message: "no request received in time" });
      return void socket.end(`HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ status, code: "bad_request", message: `malformed request (${error.code ?? "parse error"})` });
    socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

/**
 * The connection went `ms` without a byte in or out during a request. Closed only when the client is the one
 * stalling: the request body is unfinished while the server reads its socket (the socket is paused whenever the
 * server holds back: a full body buffer, a shaped write), or response bytes wait for a client that does not read.
 * When the server itself is busy or stalls on purpose (the stall and slow_body faults, latency shaping, a slow
 * commit) the timer is re-armed instead. A closed upload's temp file goes with its failed body stream.
 */
function onIdle(req: IncomingMessage, ms: number): void {
  const socket = req.socket;
  const bodyStalled = !req.complete && !socket.isPaused();
  // Node re-arms the timer only when a whole write completes (up to 1 MiB here) and shows no
  // progress within one, so a reader slower than a write per `ms` looks idle. Each completed
  // write lets the response hand the socket more (bytesWritten grows): bytes waiting to be sent
  // mean "not reading" only when no more were handed over for UNREAD_PERIODS periods in a row.
  const handed = socket.bytesWritten;
  const last = handedAt.get(socket);
  const periods = last !== undefined && last.handed === handed ? last.periods + 1 : 1;
  handedAt.set(socket, { handed, periods });
  const unread = socket.writableLength > 0 && periods >= UNREAD_PERIODS;
  if (bodyStalled || unread) socket.destroy();
  else socket.setTimeout(ms);
}

/** Idle periods without a completed write before a client that has bytes waiting counts as not reading. */
const UNREAD_PERIODS = 5;
/** A socket's bytesWritten at its last idle timeout, and for how many periods in a row it stayed. */
const handedAt = new WeakMap<Socket, { handed: number; periods: number }>();

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
