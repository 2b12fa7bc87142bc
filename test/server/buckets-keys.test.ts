import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
beforeAll(async () => {
  s = await Session.start();
});
afterAll(() => s.close());

describe("authorize", () => {
  it("answers each API version in its own shape", async () => {
    const v1 = (await s.authorize(s.server.keyId, s.server.key, 1)).body;
    expect(v1).toMatchObject({ accountId: s.accountId, apiUrl: s.url, downloadUrl: s.url, minimumPartSize: expect.any(Number) });
    expect(v1.allowed).toMatchObject({ bucketId: null, bucketName: null, namePrefix: null });
    const v2 = (await s.authorize(s.server.keyId, s.server.key, 2)).body;
    expect(v2.allowed.capabilities).toContain("writeFiles");
    expect(v2).not.toHaveProperty("minimumPartSize");
    const v3 = (await s.authorize(s.server.keyId, s.server.key, 3)).body;
    expect(v3.apiInfo.storageApi).toMatchObject({ apiUrl: s.url, bucketId: null, infoType: "storageApi" });
    const v4 = (await s.authorize(s.server.keyId, s.server.key, 4)).body;
    expect(v4.apiInfo.storageApi.allowed).toMatchObject({ buckets: null, namePrefix: null });
    expect(v4.apiInfo.storageApi).not.toHaveProperty("bucketId");
  });

  it("refuses bad credentials with 401", async () => {
    const r = await s.authorize(s.server.keyId, "wrong");
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("bad_auth_token");
  });

  it("accepts the account id in place of the master key id", async () => {
    expect((await s.authorize(s.accountId, s.server.key)).status).toBe(200);
  });
});

describe("buckets", () => {
  it("create, list, update with revisions, delete", async () => {
    const b = await s.bucket("bucket-crud-1", { bucketInfo: { a: "1" } });
    expect(b).toMatchObject({ bucketName: "bucket-crud-1", bucketType: "allPrivate", revision: 1, bucketInfo: { a: "1" } });
    const listed = await s.ok("b2_list_buckets", { accountId: s.accountId, bucketName: "bucket-crud-1" });
    expect(listed.buckets.map((x: any) => x.bucketId)).toEqual([b.bucketId]);
    const cors = [{ corsRuleName: "allow-all", allowedOrigins: ["*"], allowedOperations: ["b2_download_file_by_name"], allowedHeaders: ["range"], exposeHeaders: [], maxAgeSeconds: 3600 }];
    const lifecycle = [{ fileNamePrefix: "logs/", daysFromUploadingToHiding: 7, daysFromHidingToDeleting: 1 }];
    const u = await s.ok("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, bucketType: "allPublic", corsRules: cors, lifecycleRules: lifecycle, ifRevisionIs: 1 });
    expect(u).toMatchObject({ bucketType: "allPublic", revision: 2, corsRules: cors, lifecycleRules: lifecycle });
    const stale = await s.call("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, bucketType: "allPrivate", ifRevisionIs: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("conflict");
    const d = await s.ok("b2_delete_bucket", { accountId: s.accountId, bucketId: b.bucketId });
    expect(d.bucketId).toBe(b.bucketId);
    const after = await s.ok("b2_list_buckets", { accountId: s.accountId });
    expect(after.buckets.map((x: any) => x.bucketId)).not.toContain(b.bucketId);
  });

  it("lists buckets alphabetically and filters by type", async () => {
    await s.bucket("zz-order-b");
    await s.bucket("aa-order-a", { bucketType: "allPublic" });
    const all = (await s.ok("b2_list_buckets", { accountId: s.accountId })).buckets.map((b: any) => b.bucketName);
    expect(all).toEqual([...all].sort());
    const pub = (await s.ok("b2_list_buckets", { accountId: s.accountId, bucketTypes: ["allPublic"] })).buckets;
    expect(pub.every((b: any) => b.bucketType === "allPublic")).toBe(true);
    expect((await s.call("b2_list_buckets", { accountId: s.accountId, bucketTypes: ["all", "allPublic"] })).status).toBe(400);
  });

  it("refuses duplicate names, bad names, unknown ids and non-empty deletes", async () => {
    await s.bucket("dup-bucket-x");
    const dup = await s.call("b2_create_bucket", { accountId: s.accountId, bucketName: "dup-bucket-x", bucketType: "allPrivate" });
    expect([dup.status, dup.body.code]).toEqual([400, "duplicate_bucket_name"]);
    const bad = await s.call("b2_create_bucket", { accountId: s.accountId, bucketName: "b2-reserved", bucketType: "allPrivate" });
    expect(bad.status).toBe(400);
    const unknown = await s.call("b2_delete_bucket", { accountId: s.accountId, bucketId: "1234567" });
    expect([unknown.status, unknown.body.code]).toEqual([400, "bad_bucket_id"]);
    const b = await s.bucket();
    await s.uploaded(b.bucketId, "x.txt", "x");
    const full = await s.call("b2_delete_bucket", { accountId: s.accountId, bucketId: b.bucketId });
    expect([full.status, full.body.code]).toEqual([400, "cannot_delete_non_empty_bucket"]);
  });

  it("validates CORS and lifecycle rules", async () => {
    const b = await s.bucket();
    const badCors = await s.call("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, corsRules: [{ corsRuleName: "abcdef", allowedOrigins: ["*"], allowedOperations: ["nope"], maxAgeSeconds: 1 }] });
    expect(badCors.status).toBe(400);
    // The lists as B2's CORS rules hold them.
    const cors = (extra: Record<string, unknown>) => [{ corsRuleName: "rule-one", allowedOrigins: ["https://app.example.com"], allowedOperations: ["b2_download_file_by_name"], maxAgeSeconds: 60, ...extra }];
    for (const extra of [
      { allowedOrigins: ["*", "https://x.example.com"] },
      { allowedOrigins: ["https", "https"] },
      { allowedOrigins: ["https://*.*.example.com"] },
      { allowedOrigins: ["not an origin"] },
      { allowedHeaders: ["*", "x-bz-a"] },
      { exposeHeaders: ["x-bz-*"] },
    ]) {
      const r = await s.call("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, corsRules: cors(extra) });
      expect([r.status, r.body.code], JSON.stringify(extra)).toEqual([400, "bad_request"]);
    }
    for (const extra of [{ allowedOrigins: ["https://*.example.com", "http://localhost:8080", "https"] }, { allowedHeaders: ["*"], exposeHeaders: ["x-bz-content-sha1"] }, { allowedHeaders: ["x-bz-info-*", "range"] }]) {
      expect((await s.call("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, corsRules: cors(extra) })).status, JSON.stringify(extra)).toBe(200);
    }
    const overlap = await s.call("b2_update_bucket", {
      accountId: s.accountId,
      bucketId: b.bucketId,
      lifecycleRules: [{ fileNamePrefix: "a", daysFromHidingToDeleting: 1 }, { fileNamePrefix: "ab", daysFromHidingToDeleting: 1 }],
    });
    expect(overlap.status).toBe(400);
  });

  it("stores notification rules, replacing them; [] removes all", async () => {
    const b = await s.bucket();
    const rule = {
      name: "on-upload",
      eventTypes: ["b2:ObjectCreated:*"],
      objectNamePrefix: "",
      isEnabled: true,
      targetConfiguration: { targetType: "webhook", url: "https://example.com/hook", hmacSha256SigningSecret: "a".repeat(32) },
    };
    const set = await s.ok("b2_set_bucket_notification_rules", { bucketId: b.bucketId, eventNotificationRules: [rule] });
    expect(set.eventNotificationRules[0]).toMatchObject({ ...rule, isSuspended: false });
    const got = await s.ok("b2_get_bucket_notification_rules", { bucketId: b.bucketId }, { method: "GET" });
    expect(got.eventNotificationRules).toEqual(set.eventNotificationRules);
    const invalid = await s.call("b2_set_bucket_notification_rules", { bucketId: b.bucketId, eventNotificationRules: [{ ...rule, eventTypes: ["b2:Nope"] }] });
    expect(invalid.status).toBe(400);
    const cleared = await s.ok("b2_set_bucket_notification_rules", { bucketId: b.bucketId, eventNotificationRules: [] });
    expect(cleared.eventNotificationRules).toEqual([]);
  });
});

describe("keys", () => {
  it("create returns the secret once; list omits it; delete removes the key and its tokens", async () => {
    const k = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "reader-1", capabilities: ["listBuckets", "readFiles"] });
    expect(k.applicationKey).toEqual(expect.any(String));
    const listed = await s.ok("b2_list_keys", { accountId: s.accountId });
    const mine = listed.keys.find((x: any) => x.applicationKeyId === k.applicationKeyId);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty("applicationKey");
    const auth = await s.authorize(k.applicationKeyId, k.applicationKey);
    expect(auth.status).toBe(200);
    await s.ok("b2_delete_key", { applicationKeyId: k.applicationKeyId });
    expect((await s.authorize(k.applicationKeyId, k.applicationKey)).status).toBe(401);
    const stale = await s.call("b2_list_buckets", { accountId: s.accountId }, { token: auth.body.authorizationToken });
    expect(stale.status).toBe(401);
  });

  it("pages keys with maxKeyCount and startApplicationKeyId", async () => {
    for (let i = 0; i < 3; i++) await s.ok("b2_create_key", { accountId: s.accountId, keyName: `page-${i}`, capabilities: ["listFiles"] });
    const seen: string[] = [];
    let start: string | undefined;
    do {
      const page = await s.ok("b2_list_keys", { accountId: s.accountId, maxKeyCount: 2, ...(start ? { startApplicationKeyId: start } : {}) });
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys.map((k: any) => k.applicationKeyId));
      start = page.nextApplicationKeyId ?? undefined;
    } while (start);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it("uses bucketId in v1-v3 and bucketIds in v4; multi-bucket keys only authorize on v4", async () => {
    const a = await s.bucket();
    const b = await s.bucket();
    const v2 = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "one-bucket", capabilities: ["listFiles"], bucketId: a.bucketId }, { version: 2 });
    expect(v2.bucketId).toBe(a.bucketId);
    const multi = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "two-buckets", capabilities: ["listFiles"], bucketIds: [a.bucketId, b.bucketId] });
    expect(multi.bucketIds).toEqual([a.bucketId, b.bucketId]);
    const old = await s.authorize(multi.applicationKeyId, multi.applicationKey, 2);
    expect([old.status, old.body.code]).toEqual([401, "unsupported"]);
    const v4 = await s.authorize(multi.applicationKeyId, multi.applicationKey, 4);
    expect(v4.body.apiInfo.storageApi.allowed.buckets.map((x: any) => x.id)).toEqual([a.bucketId, b.bucketId]);
    const listedV2 = (await s.ok("b2_list_keys", { accountId: s.accountId, maxKeyCount: 1000 }, { version: 2 })).keys.map((k: any) => k.applicationKeyId);
    expect(listedV2).toContain(v2.applicationKeyId);
    expect(listedV2).not.toContain(multi.applicationKeyId);
    expect((await s.call("b2_delete_key", { applicationKeyId: multi.applicationKeyId }, { version: 3 })).status).toBe(400);
    await s.ok("b2_delete_key", { applicationKeyId: multi.applicationKeyId });
  });

  it("v1 filters bucket listings for a restricted key; v2+ refuse an unnamed listing", async () => {
    const a = await s.bucket();
    const k = await s.ok("b2_create_key", { accountId: s.accountId, keyName: "v1-lister", capabilities: ["listBuckets"], bucketIds: [a.bucketId] });
    const token = (await s.authorize(k.applicationKeyId, k.applicationKey, 1)).body.authorizationToken;
    const v1 = await s.ok("b2_list_buckets", { accountId: s.accountId }, { token, version: 1 });
    expect(v1.buckets.map((b: any) => b.bucketId)).toEqual([a.bucketId]);
    expect((await s.call("b2_list_buckets", { accountId: s.accountId }, { token, version: 2 })).status).toBe(401);
  });

  it("refuses bad key names and capabilities", async () => {
    expect((await s.call("b2_create_key", { accountId: s.accountId, keyName: "bad name!", capabilities: ["listFiles"] })).status).toBe(400);
    expect((await s.call("b2_create_key", { accountId: s.accountId, keyName: "ok", capabilities: ["flyToTheMoon"] })).status).toBe(400);
    // B2: a key restricted to buckets holds bucket-level capabilities only.
    const scoped = await s.bucket();
    for (const capability of ["listKeys", "writeKeys", "deleteKeys", "writeBuckets", "deleteBuckets"]) {
      const r = await s.call("b2_create_key", { accountId: s.accountId, keyName: "scoped", capabilities: ["listFiles", capability], bucketIds: [scoped.bucketId] });
      expect([r.status, r.body.code], capability).toEqual([400, "bad_request"]);
      expect(r.body.message, capability).toContain(capability);
    }
    expect((await s.call("b2_create_key", { accountId: s.accountId, keyName: "scoped", capabilities: ["listKeys"] })).status).toBe(200);
  });
});
