/** Bad input of every kind gets a B2 error answer, never a 5xx or a crash (seeded, bounded fuzzing). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
let bucket: any;
let file: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket();
  file = await s.uploaded(bucket.bucketId, "a/b.txt", "b");
});
afterAll(() => s.close());

/** mulberry32: a small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS = [
  "b2_create_key", "b2_list_keys", "b2_delete_key", "b2_create_bucket", "b2_delete_bucket", "b2_list_buckets", "b2_update_bucket",
  "b2_get_upload_url", "b2_start_large_file", "b2_get_upload_part_url", "b2_finish_large_file", "b2_cancel_large_file", "b2_list_parts",
  "b2_list_unfinished_large_files", "b2_copy_file", "b2_copy_part", "b2_list_file_names", "b2_list_file_versions", "b2_get_file_info",
  "b2_hide_file", "b2_delete_file_version", "b2_update_file_retention", "b2_update_file_legal_hold", "b2_get_download_authorization",
  "b2_set_bucket_notification_rules", "b2_download_file_by_id",
];
const FIELDS = ["accountId", "bucketId", "bucketName", "bucketType", "fileId", "fileName", "sourceFileId", "largeFileId", "partNumber", "range",
  "maxFileCount", "startFileName", "prefix", "delimiter", "capabilities", "keyName", "partSha1Array", "fileInfo", "contentType", "corsRules",
  "lifecycleRules", "fileRetention", "legalHold", "validDurationInSeconds", "fileNamePrefix", "eventNotificationRules", "metadataDirective",
  "serverSideEncryption", "destinationServerSideEncryption", "ifRevisionIs", "bucketIds", "namePrefix"];

describe("abuse", () => {
  it("2,000 seeded random JSON requests: no 5xx, and the server still answers", async () => {
    const r = rng(20261123);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const values = (): unknown =>
      pick<() => unknown>([
        () => bucket.bucketId, () => file.fileId, () => "a/b.txt", () => s.accountId, () => "", () => null, () => -1, () => 0, () => 1e20,
        () => "../../etc/passwd", () => "%zz%", () => "\u0000\u007f", () => "x".repeat(5000), () => [], () => [1, "a", null], () => ({}),
        () => ({ mode: "SSE-C", customerKey: "zz" }), () => true, () => "bytes=5-1", () => "😀/\ud800", () => Math.floor(r() * 20000),
      ])();
    let statuses = 0;
    for (let i = 0; i < 2000; i++) {
      const op = pick(OPS);
      const body: Record<string, unknown> = {};
      for (let k = Math.floor(r() * 6); k > 0; k--) body[pick(FIELDS)] = values();
      const raw = r() < 0.05 ? pick(["{", "[]", "null", '"x"', "{\"a\":", "\u0000"]) : JSON.stringify(body);
      const res = await fetch(`${s.url}/b2api/v${1 + Math.floor(r() * 4)}/${op}`, { method: "POST", headers: { authorization: s.token }, body: raw });
      await res.arrayBuffer();
      expect(res.status, `${op} ${raw.slice(0, 200)}`).toBeLessThan(500);
      statuses++;
    }
    expect(statuses).toBe(2000);
    expect((await s.call("b2_list_buckets", { accountId: s.accountId })).status).toBe(200);
  });

  it("hostile download paths and upload names never escape or crash", async () => {
    for (const path of ["/file/../../etc/passwd", `/file/${bucket.bucketName}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`, `/file/${bucket.bucketName}/%zz`, "/file/x", "/b2api/v9/b2_list_buckets", "/%", "/b2api/v4/b2_upload_file/a/b/c"]) {
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: s.token } });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    for (const name of ["..%2F..%2Fescape", "%zz", "a%00b", "%E0%A4%A"]) {
      const u = await s.uploadUrl(bucket.bucketId);
      const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-file-name": name, "content-type": "text/plain", "x-bz-content-sha1": "do_not_verify" }, body: "x" });
      expect(r.status, name).toBeLessThan(500);
    }
    const listed = await s.ok("b2_list_file_names", { bucketId: bucket.bucketId });
    expect(listed.files.map((f: any) => f.fileName)).toContain("../../escape");
  });
});
