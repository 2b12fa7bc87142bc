/** What an operation handler receives and returns. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { Principal } from "./auth.js";
import type { ServerState } from "./state.js";

export interface Ctx {
  state: ServerState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  op: string;
  /** API version of the path (1..4); downloads by name count as 4. */
  version: number;
  method: string;
  /** Path parameters after the operation name (upload target ids, or [bucketName, fileName]). */
  params: string[];
  /** Parsed JSON body (JSON operations) merged with query parameters. */
  body: Record<string, unknown>;
  /** Recorded in the journal. */
  uploadUrlId?: string;
  /** Who is asking, resolved by the operation's `auth` before any validation. */
  principal?: Principal;
}

export type Result =
  | { json: unknown; status?: number }
  | { stream: Readable | null; status: number; headers: Record<string, string | number> };

export interface OpDef {
  /** json: the router reads and validates a JSON body; raw: the handler consumes the request itself. */
  kind: "json" | "raw";
  /**
   * Authentication, run by the router before header and body validation (B2 answers 401 before 400): throws B2's
   * 401s, sets ctx.principal. null only for b2_authorize_account (Basic credentials, checked by its handler).
   */
  auth: ((ctx: Ctx) => void) | null;
  handler(ctx: Ctx): Promise<Result> | Result;
}
