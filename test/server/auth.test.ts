import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
let bucket: any;
let other: any;
let file: any;
let large: any;
beforeAll(async () => {
  s = await Session.start();
  bucket = await s.bucket();
  other = await s.bucket();
  file = await s.uploaded(bucket.bucketId, "in/file.txt", "data");
  large = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: "in/large.bin", contentType: "text/plain" });
});
afterAll(() => s.close());

/** Each operation, the capability it needs, and a request body (built once the fixtures exist). */
const table: [string, string, () => Record<string, unknown>][] = [
  ["b2_list_buckets", "listBuckets", () => ({ accountId: s.accountId })],
  ["b2_create_bucket", "writeBuckets", () => ({ accountId: s.accountId, bucketName: `cap-${Date.now()}`, bucketType: "allPrivate" })],
  ["b2_update_bucket", "writeBuckets", () => ({ accountId: s.accountId, bucketId: bucket.bucketId, bucketInfo: {} })],
  ["b2_delete_bucket", "deleteBuckets", () => ({ accountId: s.accountId, bucketId: other.bucketId })],
  ["b2_create_key", "writeKeys", () => ({ accountId: s.accountId, keyName: "k", capabilities: ["listFiles"] })],
  ["b2_list_keys", "listKeys", () => ({ accountId: s.accountId })],
  ["b2_get_upload_url", "writeFiles", () => ({ bucketId: bucket.bucketId })],
  ["b2_start_large_file", "writeFiles", () => ({ bucketId: bucket.bucketId, fileName: "in/x", contentType: "text/plain" })],
  ["b2_get_upload_part_url", "writeFiles", () => ({ fileId: large.fileId })],
  ["b2_list_parts", "writeFiles", () => ({ fileId: large.fileId })],
  ["b2_list_unfinished_large_files", "listFiles", () => ({ bucketId: bucket.bucketId })],
  ["b2_list_file_names", "listFiles", () => ({ bucketId: bucket.bucketId })],
  ["b2_list_file_versions", "listFiles", () => ({ bucketId: bucket.bucketId })],
  ["b2_get_file_info", "readFiles", () => ({ fileId: file.fileId })],
  ["b2_hide_file", "writeFiles", () => ({ bucketId: bucket.bucketId, fileName: "in/file.txt" })],
  ["b2_delete_file_version", "deleteFiles", () => ({ fileName: file.fileName, fileId: file.fileId })],
  ["b2_copy_file", "writeFiles", () => ({ sourceFileId: file.fileId, fileName: "in/copy.txt" })],
  ["b2_get_download_authorization", "shareFiles", () => ({ bucketId: bucket.bucketId, fileNamePrefix: "in/", validDurationInSeconds: 60 })],
  ["b2_set_bucket_notification_rules", "writeBucketNotifications", () => ({ bucketId: bucket.bucketId, eventNotificationRules: [] })],
  ["b2_finish_large_file", "writeFiles", () => ({ fileId: large.fileId, partSha1Array: ["0".repeat(40)] })],
  ["b2_cancel_large_file", "writeFiles", () => ({ fileId: large.fileId })],
  ["b2_copy_part", "writeFiles", () => ({ sourceFileId: file.fileId, largeFileId: large.fileId, partNumber: 1 })],
  ["b2_copy_part", "readFiles", () => ({ sourceFileId: file.fileId, largeFileId: large.fileId, partNumber: 1 })],
  ["b2_copy_file", "readFiles", () => ({ sourceFileId: file.fileId, fileName: "in/copy.txt" })],
  ["b2_delete_key", "deleteKeys", () => ({ applicationKeyId: "0000000000000000000000000" })],
  ["b2_update_file_retention", "writeFileRetentions", () => ({ fileName: file.fileName, fileId: file.fileId, fileRetention: { mode: null } })],
  ["b2_update_file_legal_hold", "writeFileLegalHolds", () => ({ fileName: file.fileName, fileId: file.fileId, legalHold: "off" })],
];

async function keyWith(capabilities: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const k = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "cap-test", capabilities, ...extra });
  const a = await s.authorize(k.applicationKeyId, k.applicationKey);
  return a.body.authorizationToken;
}

describe("capabilities", () => {
  it.each(table)("%s is refused without %s", async (op, capability, body) => {
    const all = [
      "listKeys", "writeKeys", "deleteKeys", "listBuckets", "writeBuckets", "deleteBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles",
      "shareFiles", "writeBucketNotifications", "readBucketNotifications", "writeFileRetentions", "writeFileLegalHolds",
    ];
    const token = await keyWith(all.filter((c) => c !== capability));
    const r = await s.call(op, body(), { token });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("unauthorized");
    // Refused for the right reason: the message names the missing capability.
    expect(r.body.message).toContain(capability);
  });

  it("the notification-rule read needs readBucketNotifications", async () => {
    const token = await keyWith(["listBuckets"]);
    const r = await s.call("b2_get_bucket_notification_rules", { bucketId: bucket.bucketId }, { token, method: "GET" });
    expect(r.status).toBe(401);
  });

  it("downloads need readFiles", async () => {
    const token = await keyWith(["listFiles"]);
    const r = await fetch(`${s.url}/b2api/v4/b2_download_file_by_id?fileId=${file.fileId}`, { headers: { authorization: token } });
    expect(r.status).toBe(401);
  });

  it("a key restricted to 2 of 3 buckets reaches those 2 and is refused on the third", async () => {
    const third = await s.bucket();
    const token = await keyWith(["listFiles", "listBuckets"], { bucketIds: [bucket.bucketId, other.bucketId] });
    expect((await s.call("b2_list_file_names", { bucketId: bucket.bucketId }, { token })).status).toBe(200);
    expect((await s.call("b2_list_file_names", { bucketId: other.bucketId }, { token })).status).toBe(200);
    expect((await s.call("b2_list_file_names", { bucketId: third.bucketId }, { token })).status).toBe(401);
    expect((await s.call("b2_list_buckets", { accountId: s.accountId }, { token })).status).toBe(401);
    expect((await s.call("b2_list_buckets", { accountId: s.accountId, bucketId: bucket.bucketId }, { token })).status).toBe(200);
  });

  it("name prefix restriction applies to listing, uploads and downloads", async () => {
    const token = await keyWith(["listFiles", "readFiles", "writeFiles"], { bucketIds: [bucket.bucketId], namePrefix: "in/" });
    expect((await s.call("b2_list_file_names", { bucketId: bucket.bucketId, prefix: "in/" }, { token })).status).toBe(200);
    expect((await s.call("b2_list_file_names", { bucketId: bucket.bucketId }, { token })).status).toBe(401);
    const u = (await s.call("b2_get_upload_url", { bucketId: bucket.bucketId }, { token })).body;
    expect((await s.uploadTo(u, "in/ok.txt", "x")).status).toBe(200);
    expect((await s.uploadTo(u, "out/no.txt", "x")).status).toBe(401);
    const outside = await s.uploaded(bucket.bucketId, "out/secret.txt", "x");
    const r = await fetch(`${s.url}/b2api/v4/b2_download_file_by_id?fileId=${outside.fileId}`, { headers: { authorization: token } });
    expect(r.status).toBe(401);
  });

  it("v1 listings filter silently to the key's name prefix; v2 on refuse (B2's v2 changelog)", async () => {
    const token = await keyWith(["listFiles", "readFiles", "writeFiles"], { bucketIds: [bucket.bucketId], namePrefix: "in/" });
    await s.uploaded(bucket.bucketId, "out/hidden.txt", "x");
    for (const op of ["b2_list_file_names", "b2_list_file_versions"]) {
      const all = await s.call(op, { bucketId: bucket.bucketId }, { token, version: 1 });
      expect(all.status, op).toBe(200);
      const names = all.body.files.map((f: { fileName: string }) => f.fileName);
      expect(names.length, op).toBeGreaterThan(0);
      expect(names.every((n: string) => n.startsWith("in/")), op).toBe(true);
      const disjoint = await s.call(op, { bucketId: bucket.bucketId, prefix: "out/" }, { token, version: 1 });
      expect([disjoint.status, disjoint.body.files], op).toEqual([200, []]);
      expect((await s.call(op, { bucketId: bucket.bucketId }, { token, version: 2 })).status, op).toBe(401);
    }
    const unfinished = await s.call("b2_list_unfinished_large_files", { bucketId: bucket.bucketId }, { token, version: 1 });
    expect(unfinished.status).toBe(200);
    expect(unfinished.body.files.map((f: { fileName: string }) => f.fileName)).toContain("in/large.bin");
    expect((await s.call("b2_list_unfinished_large_files", { bucketId: bucket.bucketId }, { token, version: 2 })).status).toBe(401);
  });
});

describe("tokens", () => {
  it("missing and unknown tokens get missing_auth_token and bad_auth_token", async () => {
    const none = await s.call("b2_list_buckets", { accountId: s.accountId }, { token: null });
    expect([none.status, none.body.code]).toEqual([401, "missing_auth_token"]);
    const bad = await s.call("b2_list_buckets", { accountId: s.accountId }, { token: "nonsense" });
    expect([bad.status, bad.body.code]).toEqual([401, "bad_auth_token"]);
  });

  it("account and upload tokens expire after 24 h of the server clock", async () => {
    const t = await Session.start();
    try {
      const b = await t.bucket();
      const u = await t.uploadUrl(b.bucketId);
      await t.server.control.advanceClock(24 * 3600 - 60);
      expect((await t.call("b2_list_buckets", { accountId: t.accountId })).status).toBe(200);
      await t.server.control.advanceClock(120);
      const expired = await t.call("b2_list_buckets", { accountId: t.accountId });
      expect([expired.status, expired.body.code]).toEqual([401, "expired_auth_token"]);
      expect((await t.uploadTo(u, "x.txt", "x")).body.code).toBe("expired_auth_token");
      await t.login();
      expect((await t.call("b2_list_buckets", { accountId: t.accountId })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("keys with validDurationInSeconds stop working when they expire", async () => {
    const k = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "short", capabilities: ["listBuckets"], validDurationInSeconds: 100 });
    expect(k.expirationTimestamp).toEqual(expect.any(Number));
    const a = await s.authorize(k.applicationKeyId, k.applicationKey);
    expect(a.body.applicationKeyExpirationTimestamp).toBe(k.expirationTimestamp);
    const t = new Session(s.server);
    await s.server.control.advanceClock(101);
    expect((await s.authorize(k.applicationKeyId, k.applicationKey)).status).toBe(401);
    expect((await t.call("b2_list_buckets", { accountId: s.accountId }, { token: a.body.authorizationToken })).status).toBe(401);
    await s.login();
  });
});
