/**
 * Bulk bodies (upload bodies, and download bodies where the caller opts in) over node:http(s)
 * instead of fetch. Measured on this project's bench machine: undici's fetch spends about twice
 * the CPU per byte of node:http on large bodies, and with a streamed request body its peak RSS
 * grows with the body (64 MiB: 162 MiB, 256 MiB: 358 MiB) where node:http stays flat (84/89 MiB).
 * Used only when the user gave no `fetch` of their own: a custom fetch sees every request.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { awaitingAnswer, bytesMoved } from "./activity.js";
import { chunkWritten } from "./buffer-ring.js";
import type { Context } from "./context.js";

export interface BulkBody {
  /** Exact byte count (B2 refuses chunked bodies). */
  length: number;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface BulkRequest {
  method: "GET" | "HEAD" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: BulkBody;
  signal: AbortSignal;
}

// Keep-alive like fetch's own pool; idle sockets are unref'd by Node, so they never hold the process open.
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Whether bulk bodies may bypass fetch: only when the client uses the platform's own fetch. */
export function bulkTransport(ctx: Context): boolean {
  return !ctx.options.customFetch;
}

/** Sends one request; resolves with the response once its headers arrive (the body is a Node stream). */
export function bulkRequest(ctx: Context, req: BulkRequest): Promise<IncomingMessage> {
  const url = new URL(req.url);
  const transport = url.protocol === "https:" ? https : http;
  const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
  const headers: Record<string, string> = { "User-Agent": ctx.options.userAgent, ...ctx.options.headers, ...req.headers };
  if (req.body) headers["Content-Length"] = String(req.body.length);
  return new Promise((resolve, reject) => {
    // The signal is wired here rather than given to node:http, which destroys the socket WITH the
    // error: once the body is all in, the socket has no error listener left, and that crashed the
    // process (an abort that came late, e.g. from a progress callback throwing on the last event).
    // Destroyed without an error, an unfinished response fails its reader ("aborted") instead;
    // the caller sees its own abort reason (Attempt.failure).
    const onAbort = (): void => {
      request.destroy();
      reject(abortError(req.signal));
    };
    const detach = (): void => req.signal.removeEventListener("abort", onAbort);
    const request = transport.request(url, { method: req.method, headers, agent }, (response) => {
      response.once("end", detach);
      response.once("close", detach);
      resolve(response);
    });
    request.once("close", detach);
    if (req.signal.aborted) onAbort();
    else req.signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", reject);
    if (!req.body) {
      request.end();
      return;
    }
    awaitingAnswer(request); // its last bytes move unseen in the socket's buffers (core/activity.ts)
    void (async () => {
      for await (const chunk of req.body!.chunks) {
        if (request.destroyed) return;
        bytesMoved(); // a sign of life for a Blocking call (core/activity.ts)
        // Once written, a chunk read into a reused buffer may be read into again (buffer-ring.ts).
        if (!request.write(chunk, () => chunkWritten(chunk))) await drained(request);
      }
      request.end();
    })().catch((error: unknown) => request.destroy(error as Error));
  });
}

/** What node:http would have thrown for an aborted signal. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted", { cause: signal.reason }), { name: "AbortError", code: "ABORT_ERR" });
}

/** Waits for room in the socket, or for the request to end (error, abort, early answer). */
function drained(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      bytesMoved(); // the socket took the bytes written so far
      request.off("drain", done);
      request.off("close", done);
      resolve();
    };
    request.on("drain", done);
    request.on("close", done);
  });
}

/** A web `Headers` view of a Node response's headers. */
export function headersOf(response: IncomingMessage): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(response.headers as IncomingHttpHeaders)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}

/** The whole body of a (small) response as text. */
export async function bodyText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
