/** Receiving an upload body: Content-Length required, SHA-1 in one of B2's three forms, verified after streaming. */
import type { IncomingMessage } from "node:http";
import type { AtRest, Written } from "../blobs.js";
import { BodyWorkerFailed } from "../body-workers.js";
import { B2Fail, badRequest } from "../errors.js";
import type { ServerState } from "../state.js";

export interface Received extends Written {
  /** contentSha1 as B2 reports it (`unverified:<hex>` for do_not_verify). */
  reportedSha1: string;
}

export function contentLength(req: IncomingMessage, max: number): number {
  const raw = req.headers["content-length"];
  if (raw === undefined) throw new B2Fail(411, "bad_request", "Content-Length header is required");
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest("Content-Length: invalid");
  if (n > max) throw badRequest(`Content-Length: larger than ${max} bytes`);
  return n;
}

export async function receive(state: ServerState, req: IncomingMessage, max: number, atRest: AtRest): Promise<Received> {
  const sha1Header = req.headers["x-bz-content-sha1"];
  if (typeof sha1Header !== "string") throw badRequest("X-Bz-Content-Sha1: required");
  const atEnd = sha1Header === "hex_digits_at_end";
  const noVerify = sha1Header === "do_not_verify";
  if (!atEnd && !noVerify && !/^[0-9a-fA-F]{40}$/.test(sha1Header)) throw badRequest("X-Bz-Content-Sha1: 40 hex digits, hex_digits_at_end or do_not_verify");
  const length = contentLength(req, max + (atEnd ? 40 : 0));
  if (atEnd && length < 40) throw badRequest("Content-Length: too short to carry the trailing SHA-1");
  let written: Written;
  try {
    written = await state.blobs.write(req, {
      ...(atEnd ? { trailerBytes: 40 } : {}),
      ...(atRest ? { atRest } : {}),
      ...(state.bytesPerSec ? { bytesPerSec: state.bytesPerSec } : {}),
      sizeHint: length,
    });
  } catch (error) {
    // Only a failure of the request stream itself is the client's; anything else (a body worker, or the disk:
    // ENOSPC, EACCES, ENOTDIR, EIO) is ours: a 500, which clients retry. Nothing was kept either way.
    if (!(error instanceof BodyWorkerFailed) && requestStreamFailed(error)) throw new B2Fail(400, "bad_request", "the request body was not received completely");
    throw new B2Fail(500, "internal_error", "the content could not be stored");
  }
  const expected = atEnd ? written.trailer?.toLowerCase() : noVerify ? undefined : sha1Header.toLowerCase();
  if (written.segment.length !== length - (atEnd ? 40 : 0) || (expected !== undefined && expected !== written.sha1)) {
    await state.blobs.remove([written.segment]);
    throw badRequest(expected !== undefined && expected !== written.sha1 ? "Sha1 did not match data received" : "body length does not match Content-Length");
  }
  return { ...written, reportedSha1: noVerify ? `unverified:${written.sha1}` : written.sha1 };
}

/** The client aborted or reset the connection, or the body ended before its Content-Length (Node: "aborted"). */
function requestStreamFailed(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ECONNRESET" || code === "ECONNABORTED" || code === "ERR_STREAM_PREMATURE_CLOSE" || (error instanceof Error && error.message === "aborted");
}
