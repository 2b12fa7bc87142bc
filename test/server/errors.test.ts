/** Documented error codes of the spec, produced for real (each answer is also checked against the spec). */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
let bucket: any;
let file: any;
beforeAll(async () => {
  s = await Session.start({ limits: { maxBuckets: 3 } });
  bucket = await s.bucket();
  file = await s.uploaded(bucket.bucketId, "f.txt", "f");
});
afterAll(() => s.close());

const cases: [string, number, string, () => Record<string, unknown>][] = [
  ["b2_create_key", 400, "bad_bucket_id", () => ({ accountId: s.accountId, keyName: "k", capabilities: ["listFiles"], bucketIds: ["nope"] })],
  ["b2_delete_key", 400, "bad_request", () => ({ applicationKeyId: "0000000000000000000000000" })],
  ["b2_update_bucket", 400, "bad_bucket_id", () => ({ accountId: s.accountId, bucketId: "nope" })],
  ["b2_get_upload_url", 400, "bad_bucket_id", () => ({ bucketId: "nope" })],
  ["b2_start_large_file", 400, "bad_bucket_id", () => ({ bucketId: "nope", fileName: "x", contentType: "text/plain" })],
  ["b2_get_upload_part_url", 400, "bad_request", () => ({ fileId: file.fileId })],
  ["b2_copy_part", 400, "bad_request", () => ({ sourceFileId: file.fileId, largeFileId: file.fileId, partNumber: 1 })],
  ["b2_list_parts", 400, "bad_request", () => ({ fileId: "nope" })],
  ["b2_list_unfinished_large_files", 400, "bad_bucket_id", () => ({ bucketId: "nope" })],
  ["b2_list_file_names", 400, "bad_bucket_id", () => ({ bucketId: "nope" })],
  ["b2_list_file_versions", 400, "invalid_file_id", () => ({ bucketId: bucket.bucketId, startFileName: "f.txt", startFileId: "4_zfeed_f00" })],
  ["b2_list_file_versions", 400, "out_of_range", () => ({ bucketId: bucket.bucketId, maxFileCount: 10_001 })],
  ["b2_get_file_info", 404, "not_found", () => ({ fileId: `4_z${bucket.bucketId}_f0123456789` })],
  ["b2_get_file_info", 400, "bad_request", () => ({ fileId: "garbage" })],
  // A file id in B2's own form, unknown here: not found, not malformed.
  ["b2_get_file_info", 404, "not_found", () => ({ fileId: "4_z8d625eb63be2775577c70e1a_f1052a33c70ab4806_d20211118_m153703_c002_v0001160_t0027" })],
  ["b2_hide_file", 400, "bad_bucket_id", () => ({ bucketId: "nope", fileName: "x" })],
  ["b2_update_file_retention", 400, "bucket_missing_file_lock", () => ({ fileName: "f.txt", fileId: file.fileId, fileRetention: { mode: "governance", retainUntilTimestamp: 1 } })],
  ["b2_get_download_authorization", 400, "bad_bucket_id", () => ({ bucketId: "nope", fileNamePrefix: "", validDurationInSeconds: 10 })],
  ["b2_get_bucket_notification_rules", 400, "bad_bucket_id", () => ({ bucketId: "nope" })],
  ["b2_set_bucket_notification_rules", 400, "event_types_empty", () => ({ bucketId: bucket.bucketId, eventNotificationRules: [{ name: "rule-one", eventTypes: [], objectNamePrefix: "", isEnabled: true, targetConfiguration: { targetType: "webhook", url: "https://x.example" } }] })],
];

describe("documented errors", () => {
  it.each(cases)("%s answers %i %s", async (op, status, code, body) => {
    const method = op === "b2_get_bucket_notification_rules" ? "GET" : "POST";
    const r = await s.call(op, body(), { method });
    expect([r.status, r.body.code]).toEqual([status, code]);
  });

  it("b2_set_bucket_notification_rules: takes B2's MultipartUploadCreated types; an unknown type is event_type_invalid", async () => {
    const rule = (eventTypes: string[]) => ({ name: "rule-one", eventTypes, objectNamePrefix: "", isEnabled: true, targetConfiguration: { targetType: "webhook", url: "https://x.example" } });
    const ok = await s.call("b2_set_bucket_notification_rules", { bucketId: bucket.bucketId, eventNotificationRules: [rule(["b2:MultipartUploadCreated:LiveRead"])] });
    expect(ok.status).toBe(200);
    const bad = await s.call("b2_set_bucket_notification_rules", { bucketId: bucket.bucketId, eventNotificationRules: [rule(["b2:MultipartUploadCreated:Nope"])] });
    expect([bad.status, bad.body.code]).toEqual([400, "event_type_invalid"]);
    await s.ok("b2_set_bucket_notification_rules", { bucketId: bucket.bucketId, eventNotificationRules: [] });
  });

  it("b2_create_bucket: too_many_buckets at the account limit", async () => {
    await s.bucket();
    await s.bucket();
    const r = await s.call("b2_create_bucket", { accountId: s.accountId, bucketName: "one-too-many", bucketType: "allPrivate" });
    expect([r.status, r.body.code]).toEqual([400, "too_many_buckets"]);
  });

  it("b2_update_bucket: file_lock_conflict when disabling Object Lock", async () => {
    await s.ok("b2_update_bucket", { accountId: s.accountId, bucketId: bucket.bucketId, fileLockEnabled: true });
    const r = await s.call("b2_update_bucket", { accountId: s.accountId, bucketId: bucket.bucketId, fileLockEnabled: false });
    expect([r.status, r.body.code]).toEqual([400, "file_lock_conflict"]);
  });

  it("b2_upload_file: auth_token_limit for a second upload on the same URL at the same time", async () => {
    const u = await s.uploadUrl(bucket.bucketId);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(10));
        await gate;
        controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    const first = fetch(u.uploadUrl, {
      method: "POST",
      headers: { authorization: u.authorizationToken, "x-bz-file-name": "slow.bin", "content-type": "text/plain", "x-bz-content-sha1": sha1(new Uint8Array(20)), "content-length": "20" },
      body: slow,
      duplex: "half",
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 200));
    const second = await s.uploadTo(u, "second.txt", "x");
    expect([second.status, second.body.code]).toEqual([400, "auth_token_limit"]);
    release();
    expect((await first).status).toBe(200);
    expect((await s.uploadTo(u, "third.txt", randomBytes(5))).status).toBe(200);
  });

  it("downloads: 400 without a fileId", async () => {
    const r = await s.download(`/b2api/v4/b2_download_file_by_id`);
    expect([r.status, r.json?.code]).toEqual([400, "bad_request"]);
  });
});
