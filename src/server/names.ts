/** File names, file info and their percent-encoding in headers (B2 string-encoding rules; `+` decodes to space). */
import { badRequest } from "./errors.js";
import { INFO_HEADERS, servedHeaderProblem } from "../header-grammar.js";

export function decodeHeader(value: string, field: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw badRequest(`${field}: invalid percent-encoding`);
  }
}

/** Percent-encodes for headers, leaving B2's "minimally encoded" safe set (and `/`) as is. */
export function encodeHeader(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, "/").replace(/[!'()*]/g, (c) => c);
}

export function checkFileName(name: unknown, field = "fileName"): string {
  if (typeof name !== "string" || name.length === 0) throw badRequest(`${field}: required`);
  if (Buffer.byteLength(name, "utf8") > 1024) throw badRequest(`${field}: longer than 1024 bytes`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badRequest(`${field}: control characters are not allowed`);
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) throw badRequest(`${field}: cannot start or end with '/' or contain '//'`);
  if (/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) throw badRequest(`${field}: invalid UTF-16/UTF-8 sequence`);
  return name;
}

/**
 * `src_last_modified_millis` (header X-Bz-Info-src_last_modified_millis, or the fileInfo key of b2_start_large_file
 * and b2_copy_file): milliseconds since the epoch in base 10, digits only (the spec's header pattern), else B2's 400.
 */
export function checkSrcLastModifiedMillis(value: string, field: string): string {
  if (!/^[0-9]{1,19}$/.test(value)) throw badRequest(`${field}: must be milliseconds since the epoch as a string of base-10 digits`);
  return value;
}


/**
 * fileInfo keys (lowercased) and values, with B2's size budget for name + info. `field` names an entry in messages
 * (uploads name the X-Bz-Info-* header).
 */
export function checkFileInfo(
  info: Record<string, string>,
  fileName: string,
  strict2048: boolean,
  field: (key: string) => string = (key) => `fileInfo.${key}`,
): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = Buffer.byteLength(fileName, "utf8");
  for (const [rawKey, value] of Object.entries(info)) {
    const key = rawKey.toLowerCase();
    if (typeof value !== "string") throw badRequest(`fileInfo.${key}: must be a string`);
    if (Buffer.byteLength(key) > 50 || !/^[a-z0-9\-_.`~!#$%^&*'|+]+$/.test(key)) throw badRequest(`fileInfo.${key}: invalid key name`);
    if (key.startsWith("b2-")) {
      const served = INFO_HEADERS[key];
      if (!served) throw badRequest(`fileInfo.${key}: unknown b2- key`);
      // Served back as a real header on download: B2 holds it to that header's grammar.
      const problem = servedHeaderProblem(served, value);
      if (problem) throw badRequest(`${field(key)}: ${problem}`);
    }
    if (key === "src_last_modified_millis") checkSrcLastModifiedMillis(value, field(key));
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    out[key] = value;
  }
  const limit = strict2048 ? 2048 : 7000;
  if (bytes > limit) throw badRequest(`fileInfo: file name and file info exceed ${limit} bytes`);
  return out;
}

const TYPES: Record<string, string> = {
  txt: "text/plain", html: "text/html", htm: "text/html", css: "text/css", js: "application/javascript", json: "application/json",
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", svg: "image/svg+xml", pdf: "application/pdf",
  zip: "application/zip", gz: "application/gzip", mp4: "video/mp4", mp3: "audio/mpeg", csv: "text/csv", xml: "application/xml",
};

/** `b2/x-auto`: a type from the name's extension, else application/octet-stream. */
export function resolveContentType(contentType: string, fileName: string): string {
  // Served back as the Content-Type header: only what a header can carry.
  if (!/^[\t\x20-\x7e]+$/.test(contentType)) throw badRequest("contentType: visible ASCII characters only");
  if (contentType !== "b2/x-auto") return contentType;
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) ?? "application/octet-stream";
}
