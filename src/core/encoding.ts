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

/** Path of a download by name: each segment encoded, `/` kept between segments (see encodeNamePath). */
export function encodeDownloadPath(bucketName: string, fileName: string): string {
  return `/file/${encodeURIComponent(bucketName)}/${encodeNamePath(fileName)}`;
}

/**
 * A file name as URL path segments: each segment encoded, `/` kept. Except when a segment is `.` or `..`: every URL
 * parser on the way (fetch, `new URL`) would remove it (`a/../x` becomes `x`, another file), so then each `/` goes as
 * `%2F` and the name is one segment (B2 percent-decodes the name). A name that is just `.` or `..` cannot survive.
 */
export function encodeNamePath(fileName: string): string {
  const segments = fileName.split("/");
  const dotted = segments.some((s) => s === "." || s === "..");
  return segments.map(encodeURIComponent).join(dotted ? "%2F" : "/");
}
