/**
 * SSE-C keys and the encryption objects of JSON requests. A customer key is the base64 of 32
 * bytes (AES-256); anything else is refused before sending, with a message that never repeats
 * the key (a bad key in a header would otherwise fail as a "connection error" after every retry).
 * JSON requests get the SSE-C form B2 wants (`algorithm`, `customerKeyMd5` filled in), as the
 * upload headers do, so every call takes the same short `{ mode: "SSE-C", customerKey }`.
 */
import { createHash } from "node:crypto";
import { ValidationError } from "../errors.js";

const KEY = /^[A-Za-z0-9+/]{43}=$/; // 32 bytes
const KEY_MD5 = /^[A-Za-z0-9+/]{22}==$/; // 16 bytes

export function customerKeyMd5(base64Key: string): string {
  return createHash("md5").update(Buffer.from(base64Key, "base64")).digest("base64");
}

/** Throws a ValidationError (naming no key) unless the SSE-C key and its MD5 have B2's shapes. */
export function checkCustomerKey(sse: { customerKey?: unknown; customerKeyMd5?: unknown; algorithm?: unknown }, operation?: string): void {
  if (typeof sse.customerKey !== "string" || !KEY.test(sse.customerKey)) {
    throw new ValidationError("invalid SSE-C customerKey: the base64 of a 32-byte AES-256 key", operation);
  }
  if (sse.customerKeyMd5 !== undefined && (typeof sse.customerKeyMd5 !== "string" || !KEY_MD5.test(sse.customerKeyMd5))) {
    throw new ValidationError("invalid SSE-C customerKeyMd5: the base64 of the key's 16-byte MD5", operation);
  }
  if (sse.algorithm !== undefined && sse.algorithm !== "AES256") {
    throw new ValidationError(`invalid SSE-C algorithm ${JSON.stringify(sse.algorithm)}: AES256`, operation);
  }
}

/** The encryption fields of B2's JSON requests. */
const SSE_FIELDS = ["serverSideEncryption", "sourceServerSideEncryption", "destinationServerSideEncryption"];

/** A request body with its SSE objects in full form (SSE-C keys checked); other fields untouched. */
export function withFullSse(body: Record<string, unknown>, operation: string): Record<string, unknown> {
  let out = body;
  for (const field of SSE_FIELDS) {
    const sse = body[field] as Record<string, unknown> | null | undefined;
    if (!sse || typeof sse !== "object") continue;
    const mode = sse["mode"] ?? (sse["customerKey"] !== undefined ? "SSE-C" : undefined);
    let full: Record<string, unknown> | undefined;
    if (mode === "SSE-C") {
      checkCustomerKey(sse, operation);
      const key = sse["customerKey"] as string;
      full = { ...sse, mode: "SSE-C", algorithm: "AES256", customerKeyMd5: sse["customerKeyMd5"] ?? customerKeyMd5(key) };
    } else if (mode === "SSE-B2" && sse["algorithm"] === undefined) full = { ...sse, algorithm: "AES256" };
    if (full) out = { ...out, [field]: full };
  }
  return out;
}
