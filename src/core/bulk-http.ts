/**
 * Bulk bodies (upload bodies, and download bodies where the caller opts in) over node:http(s)
 * instead of fetch. Measured on this project's bench machine: undici's fetch spends about twice
 * the CPU per byte of node:http on large bodies, and with a streamed request body its peak RSS
 * grows with the body (64 MiB: 162 MiB, 256 MiB: 358 MiB) where node:http stays flat (84/89 MiB).
 * Used only when the user gave no `fetch` of their own: a custom fetch sees every request.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
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
    const request = transport.request(url, { method: req.method, headers, agent, signal: req.signal }, resolve);
    request.on("error", reject);
    if (!req.body) {
      request.end();
      return;
    }
    void (async () => {
      for await (const chunk of req.body!.chunks) {
        if (request.destroyed) return;
        // Once written, a chunk read into a reused buffer may be read into again (buffer-ring.ts).
        if (!request.write(chunk, () => chunkWritten(chunk))) await drained(request);
      }
      request.end();
    })().catch((error: unknown) => request.destroy(error as Error));
  });
}

/** Waits for room in the socket, or for the request to end (error, abort, early answer). */
function drained(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
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
