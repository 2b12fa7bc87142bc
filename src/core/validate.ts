/**
 * Rules from B2's documented limits that the SDK checks before sending anything. Each failure
 * is a `ValidationError` whose message names the rule.
 */
import { ValidationError } from "../errors.js";
import { INFO_HEADERS, OVERRIDE_HEADERS, servedHeaderProblem } from "../header-grammar.js";

const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8");

export function checkFileName(fileName: unknown, operation?: string): asserts fileName is string {
  const fail = (rule: string): never => {
    throw new ValidationError(`invalid file name: ${rule}`, operation);
  };
  if (typeof fileName !== "string" || fileName.length === 0) fail("must be a non-empty string");
  const name = fileName as string;
  if (utf8Length(name) > 1024) fail(`must be at most 1024 bytes of UTF-8 (got ${utf8Length(name)})`);
  if (/[\u0000-\u001f\u007f]/.test(name)) fail("must not contain control characters (code points below 32) or DEL (127)");
  if (name.startsWith("/") || name.endsWith("/")) fail("must not start or end with '/'");
  if (name.includes("//")) fail("must not contain '//'");
  if (/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) fail("must be valid UTF-8 (no unpaired surrogates)");
}

export function checkBucketName(bucketName: unknown, operation?: string): void {
  const fail = (rule: string): never => {
    throw new ValidationError(`invalid bucket name: ${rule}`, operation);
  };
  if (typeof bucketName !== "string") return fail("must be a string");
  if (bucketName.length < 6 || bucketName.length > 63) fail("must be 6 to 63 characters long");
  if (!/^[A-Za-z0-9-]+$/.test(bucketName)) fail("may contain only letters, digits and '-'");
  if (bucketName.toLowerCase().startsWith("b2-")) fail("must not start with 'b2-'");
}

export function checkKeyName(keyName: unknown, operation?: string): void {
  if (typeof keyName !== "string" || !/^[A-Za-z0-9-]{1,100}$/.test(keyName)) {
    throw new ValidationError("invalid key name: 1 to 100 characters, letters, digits and '-' only", operation);
  }
}

export function checkPartNumber(partNumber: number, operation?: string): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new ValidationError(`invalid part number ${partNumber}: parts are numbered 1 to 10000`, operation);
  }
}

const INFO_KEY = /^[A-Za-z0-9\-_.`~!#$%^&*'|+]{1,50}$/;
const LONE_SURROGATE = /[\ud800-\udfff]/;
const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));

/** fileInfo keys: at most 50 bytes of letters, digits and B2's special characters; `b2-` reserved. */
export function checkFileInfo(fileInfo: Record<string, string> | undefined, operation?: string): void {
  if (!fileInfo) return;
  for (const [key, value] of Object.entries(fileInfo)) {
    if (!INFO_KEY.test(key) || utf8Length(key) > 50) {
      throw new ValidationError(`invalid fileInfo key ${JSON.stringify(key)}: at most 50 bytes of letters, digits and - _ . \` ~ ! # $ % ^ & * ' | +`, operation);
    }
    const served = INFO_HEADERS[key.toLowerCase()];
    if (key.toLowerCase().startsWith("b2-") && !served) {
      throw new ValidationError(`invalid fileInfo key ${JSON.stringify(key)}: names starting with 'b2-' are reserved`, operation);
    }
    if (typeof value !== "string") throw new ValidationError(`fileInfo value of ${JSON.stringify(key)} must be a string`, operation);
    // B2 serves these as real headers on download and holds them to that header's grammar.
    const problem = served ? servedHeaderProblem(served, value) : undefined;
    if (problem) throw new ValidationError(`invalid fileInfo ${key} ${JSON.stringify(value)}: ${problem}`, operation);
    if (hasLoneSurrogate(value)) throw new ValidationError(`fileInfo value of ${JSON.stringify(key)} must be valid UTF-8 (no unpaired surrogates)`, operation);
    if (key.toLowerCase() === "src_last_modified_millis") checkLastModifiedMillis(value, operation);
  }
}

/** B2 takes only a base-10 millisecond count as `src_last_modified_millis`, in a header or a JSON body alike. */
export function checkLastModifiedMillis(value: string, operation?: string): void {
  if (!/^[0-9]{1,19}$/.test(value)) throw new ValidationError(`invalid fileInfo src_last_modified_millis ${JSON.stringify(value)}: a base-10 count of milliseconds`, operation);
}

/**
 * The name plus file info must fit B2's budget: 7,000 bytes, or 2,048 with SSE or Object Lock.
 * Counted as B2 stores them: UTF-8 bytes of the name, each info key and each value (unencoded).
 */
export function checkInfoBudget(fileName: string, info: Record<string, string>, strict: boolean, operation?: string): void {
  let total = utf8Length(fileName);
  for (const [k, v] of Object.entries(info)) total += utf8Length(k) + utf8Length(v);
  const limit = strict ? 2048 : 7000;
  if (total > limit) {
    throw new ValidationError(`file name and file info take ${total} bytes of headers; B2 allows at most ${limit}${strict ? " with encryption or Object Lock" : ""}`, operation);
  }
}

export function checkRange(range: string | undefined, operation?: string): void {
  if (range !== undefined && !/^bytes=(\d+-\d*|-\d+)$/.test(range)) {
    throw new ValidationError(`invalid range ${JSON.stringify(range)}: expected "bytes=START-END", "bytes=START-" or "bytes=-SUFFIX"`, operation);
  }
  const m = range && /^bytes=(\d+)-(\d+)$/.exec(range);
  if (m && Number(m[1]) > Number(m[2])) throw new ValidationError(`invalid range ${JSON.stringify(range)}: start is after end`, operation);
}


/** Capability names B2 documents for application keys (create_key, list_keys docs). */
export const CAPABILITIES: ReadonlySet<string> = new Set([
  "listKeys", "writeKeys", "deleteKeys", "listAllBucketNames", "listBuckets", "readBuckets", "writeBuckets", "deleteBuckets",
  "readBucketRetentions", "writeBucketRetentions", "readBucketEncryption", "writeBucketEncryption", "readBucketNotifications",
  "writeBucketNotifications", "readBucketReplications", "writeBucketReplications", "listFiles", "readFiles", "shareFiles",
  "writeFiles", "deleteFiles", "readFileLegalHolds", "writeFileLegalHolds", "readFileRetentions", "writeFileRetentions",
  "bypassGovernance",
]);

export function checkCapabilities(capabilities: unknown, operation?: string): void {
  if (!Array.isArray(capabilities) || capabilities.length === 0) {
    throw new ValidationError("invalid capabilities: at least one capability is required", operation);
  }
  for (const c of capabilities) {
    if (typeof c !== "string" || !CAPABILITIES.has(c)) {
      throw new ValidationError(`invalid capability ${JSON.stringify(c)}: not one of B2's capability names`, operation);
    }
  }
}

/** An integer number of seconds within B2's bounds (`what` names the field in the message). */
export function checkDuration(seconds: unknown, min: number, max: number, what: string, operation?: string): void {
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new ValidationError(`invalid ${what}: an integer number of seconds from ${min} to ${max} (got ${String(seconds)})`, operation);
  }
}

/** A page size: absent or 0 means B2's default; otherwise 1 to `max`. */
export function checkPageSize(value: unknown, max: number, what: string, operation?: string): void {
  if (value === undefined || value === null || value === 0) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError(`invalid ${what}: an integer from 1 to ${max} (got ${String(value)})`, operation);
  }
}

/** B2 parts are 1 byte to 5 GB (every part but the last at least the minimum part size). */
export function checkPartSize(size: number, operation?: string): void {
  if (size < 1 || size > 5_000_000_000) {
    throw new ValidationError(`invalid part size ${size}: a part is 1 byte to 5 GB`, operation);
  }
}

/**
 * Download overrides (`b2ContentDisposition`, …) become response headers: B2 holds each to that
 * header's grammar (a download or a download authorization with a bad one is refused).
 */
export function checkDownloadOverrides(settings: Record<string, unknown>, operation?: string): void {
  for (const [name, header] of Object.entries(OVERRIDE_HEADERS)) {
    const value = settings[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw new ValidationError(`invalid ${name}: must be a string`, operation);
    const problem = servedHeaderProblem(header, value);
    if (problem) throw new ValidationError(`invalid ${name} ${JSON.stringify(value)}: ${problem}`, operation);
  }
}

/**
 * B2 copies `bytes=START-END` ranges only (b2_copy_file and b2_copy_part take no open-ended or
 * suffix range): anything else is refused before sending, after the general range syntax check.
 */
export function checkCopyRange(range: string | null | undefined, operation: string): void {
  checkRange(range ?? undefined, operation);
  if (range != null && !/^bytes=\d+-\d+$/.test(range)) {
    throw new ValidationError(`invalid range ${JSON.stringify(range)}: a copy takes "bytes=START-END" (no open-ended or suffix range)`, operation);
  }
}

/** A content type is served back as the Content-Type header: visible ASCII only (as the server holds it). */
export function checkContentType(contentType: unknown, operation?: string): void {
  if (typeof contentType !== "string" || !/^[\t\x20-\x7e]+$/.test(contentType)) {
    throw new ValidationError(`invalid content type ${JSON.stringify(contentType)}: visible ASCII characters, such as text/plain`, operation);
  }
}

/** Lanes asked for: a whole number from 1 (0 or NaN lanes would send nothing, or hang). */
export function checkConcurrency(concurrency: unknown, operation?: string): void {
  if (concurrency !== undefined && !(typeof concurrency === "number" && Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new ValidationError(`invalid concurrency ${String(concurrency)}: a whole number of lanes from 1`, operation);
  }
}
