/** The control API under /__b2kit/ (loopback only): faults, clock, journal, limits, event notification deliveries. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { applyLifecycle } from "./lifecycle.js";
import { mergeLimits } from "./limits.js";
import type { ServerState } from "./state.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export async function handleControl(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) return reply(403, { error: "control API is loopback only" });
  let body: Record<string, unknown> = {};
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim()) body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return reply(400, { error: "body must be JSON" });
  }
  const key = `${req.method} ${url.pathname.slice("/__b2kit/".length)}`;
  try {
    switch (key) {
      case "POST faults":
        return reply(200, { id: state.faults.add(body).id });
      case "DELETE faults":
        state.faults.clear();
        return reply(200, {});
      case "POST clock":
        if (typeof body["advanceSeconds"] !== "number") return reply(400, { error: "advanceSeconds must be a number" });
        state.clock.advance(body["advanceSeconds"]);
        await state.blobs.remove(applyLifecycle(state));
        return reply(200, { now: state.clock.now(), offsetSeconds: state.clock.offsetSeconds });
      case "GET clock":
        return reply(200, { now: state.clock.now(), offsetSeconds: state.clock.offsetSeconds });
      case "GET journal":
        return reply(200, state.journal.list());
      case "DELETE journal":
        state.journal.clear();
        return reply(200, {});
      case "POST limits":
        state.limits = mergeLimits(state.limits, body);
        return reply(200, state.limits);
      case "GET limits":
        return reply(200, state.limits);
      case "GET notifications":
        return reply(200, state.notifications.list());
      case "DELETE notifications":
        state.notifications.clear();
        return reply(200, {});
      default:
        return reply(404, { error: `unknown control endpoint ${key}` });
    }
  } catch (error) {
    return reply(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
