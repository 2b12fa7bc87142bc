/** Server-side encryption: content encrypted at rest with the server's keys (SSE-B2) or the customer's (SSE-C). */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AtRest } from "./blobs.js";
import { B2Fail, badRequest } from "./errors.js";
import type { StoredSse } from "./rows.js";

export interface SseChoice {
  stored: StoredSse | null;
  /** The customer key (SSE-C only): never stored, never logged. */
  key?: Buffer;
}

function customerKey(algorithm: unknown, keyB64: unknown, md5B64: unknown, where: string): Buffer {
  if (algorithm !== "AES256") throw badRequest(`${where}: customer algorithm must be AES256`);
  if (typeof keyB64 !== "string" || typeof md5B64 !== "string") throw badRequest(`${where}: customer key and key MD5 are required`);
  const key = Buffer.from(keyB64, "base64");
  if (key.length !== 32) throw badRequest(`${where}: customer key must be 256 bits`);
  if (createHash("md5").update(key).digest("base64") !== md5B64) throw badRequest(`${where}: customer key MD5 does not match the key`);
  return key;
}

/** From a JSON request object {mode, algorithm, customerKey, customerKeyMd5}. */
export function sseFromJson(value: unknown, where: string): SseChoice | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v["mode"] === undefined || v["mode"] === null) return { stored: null };
  if (v["mode"] === "SSE-B2") {
    if (v["algorithm"] !== undefined && v["algorithm"] !== "AES256") throw badRequest(`${where}.algorithm: must be AES256`);
    return { stored: { mode: "SSE-B2", algorithm: "AES256" } };
  }
  if (v["mode"] === "SSE-C") {
    const key = customerKey(v["algorithm"], v["customerKey"], v["customerKeyMd5"], where);
    return { stored: { mode: "SSE-C", algorithm: "AES256", customerKeyMd5: v["customerKeyMd5"] as string }, key };
  }
  throw badRequest(`${where}.mode: SSE-B2, SSE-C or null`);
}

/** From upload/download headers. */
export function sseFromHeaders(h: IncomingHttpHeaders): SseChoice | undefined {
  const b2 = h["x-bz-server-side-encryption"];
  const cAlg = h["x-bz-server-side-encryption-customer-algorithm"];
  if (b2 !== undefined) {
    if (b2 !== "AES256") throw badRequest("X-Bz-Server-Side-Encryption: must be AES256");
    return { stored: { mode: "SSE-B2", algorithm: "AES256" } };
  }
  if (cAlg === undefined) return undefined;
  const md5 = h["x-bz-server-side-encryption-customer-key-md5"];
  const key = customerKey(cAlg, h["x-bz-server-side-encryption-customer-key"], md5, "X-Bz-Server-Side-Encryption-Customer-Key");
  return { stored: { mode: "SSE-C", algorithm: "AES256", customerKeyMd5: md5 as string }, key };
}

/** The key to read SSE-C content: required, and must be the one it was written with. */
export function keyForRead(stored: StoredSse | null, given: SseChoice | undefined): Buffer | undefined {
  if (stored?.mode !== "SSE-C") return undefined;
  if (!given?.key) throw badRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.");
  if (given.stored?.customerKeyMd5 !== stored.customerKeyMd5) throw new B2Fail(403, "access_denied", "The customer key does not match the key the file was encrypted with");
  return given.key;
}

/** How the content of a file stored with `stored` encryption is written: SSE-B2 with the server's keys, SSE-C with `key`. */
export function atRestFor(stored: StoredSse | null, key: Buffer | undefined): AtRest {
  if (stored?.mode === "SSE-B2") return "sse-b2";
  return stored?.mode === "SSE-C" ? key : undefined;
}
