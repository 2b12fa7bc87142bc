/**
 * B2's string encoding for `X-Bz-File-Name`, `X-Bz-Info-*` values and download-by-name paths:
 * percent-encoded UTF-8 where B2's "minimally encoded" set stays as is (`/` included).
 */
const SAFE = /[A-Za-z0-9\-._~!$'()*;=:@/]/;

export function b2Encode(value: string): string {
  let out = "";
  for (const ch of value) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Decodes B2-encoded text; `+` is a space, as B2 documents. */
export function b2Decode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, "%20"));
}

/** Path of a download by name: each segment encoded, `/` kept between segments. */
export function encodeDownloadPath(bucketName: string, fileName: string): string {
  return `/file/${encodeURIComponent(bucketName)}/${encodeNamePath(fileName)}`;
}

/** A file name as URL path segments: each segment encoded, `/` kept. */
export function encodeNamePath(fileName: string): string {
  return fileName.split("/").map(encodeURIComponent).join("/");
}
