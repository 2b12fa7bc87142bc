/** Conformance: buckets, notification rules and keys, through both hierarchies on the local server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequest, Conflict, Unauthorized, type Awaiting, type AwaitingBucket, type BucketModel } from "../../src/index.js";
import { client, failure, flavors, startLocal, text, uniqueName, type Server } from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: buckets and keys", (flavor) => {
  let b2: Awaiting;
  beforeAll(() => {
    b2 = client(flavor, server);
  });
  afterAll(async () => {
    await b2.close();
  });

  it("creates a private bucket, makes it public, reads back id and type, deletes it", async () => {
    const name = uniqueName("conf");
    const [created, bucket] = await b2.createBucket({ bucketName: name });
    expect(created.bucketType).toBe("allPrivate");
    const updated = await bucket.update({ bucketType: "allPublic" });
    expect(updated.bucketId).toBe(created.bucketId);
    expect(updated.bucketType).toBe("allPublic");
    const listed = [];
    for await (const [model] of b2.buckets()) listed.push(model);
    expect(listed.find((b) => b.bucketId === created.bucketId)?.bucketType).toBe("allPublic");
    await bucket.delete();
    const after = [];
    for await (const [model] of b2.buckets()) after.push(model.bucketId);
    expect(after).not.toContain(created.bucketId);
  });

  it("stores CORS and lifecycle rules as given, in order; revisions increment; a stale ifRevisionIs is a 409", async () => {
    const [created, bucket] = await b2.createBucket({ bucketName: uniqueName("rules") });
    const corsRules = [
      { corsRuleName: "downloadFromAnyOrigin", allowedOrigins: ["https"], allowedOperations: ["b2_download_file_by_name"], allowedHeaders: ["range"], exposeHeaders: ["x-bz-content-sha1"], maxAgeSeconds: 3600 },
      { corsRuleName: "uploadFromApp", allowedOrigins: ["https://app.example.com"], allowedOperations: ["b2_upload_file", "b2_upload_part"], maxAgeSeconds: 60 },
    ];
    const lifecycleRules = [{ fileNamePrefix: "logs/", daysFromUploadingToHiding: 30, daysFromHidingToDeleting: 7 }];
    const first = await bucket.update({ corsRules, lifecycleRules });
    expect(first.corsRules.map((r) => r.corsRuleName)).toEqual(["downloadFromAnyOrigin", "uploadFromApp"]);
    expect(first.corsRules[0]).toMatchObject(corsRules[0] as object);
    expect(first.lifecycleRules).toEqual([expect.objectContaining(lifecycleRules[0])]);
    expect(first.revision).toBeGreaterThan(created.revision);
    const second = await bucket.update({ bucketInfo: { team: "storage" }, ifRevisionIs: first.revision });
    expect(second.revision).toBe(first.revision + 1);
    const stale = await failure(() => bucket.update({ bucketInfo: { team: "other" }, ifRevisionIs: first.revision }));
    expect(stale).toBeInstanceOf(Conflict);
    expect((stale as Conflict).status).toBe(409);
    await bucket.delete();
  });

  it("refuses to delete a bucket that holds a file version", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("full") });
    const [model, file] = await bucket.upload({ fileName: "keep.txt" }, text("x"));
    const refused = await failure(() => bucket.delete());
    expect(refused).toBeInstanceOf(BadRequest);
    await file.delete(model.fileName);
    await bucket.delete();
  });

  it("round-trips a webhook notification rule with an HMAC secret; [] removes all rules", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("notify") });
    const rule = {
      name: "newUploads",
      eventTypes: ["b2:ObjectCreated:*"],
      objectNamePrefix: "incoming/",
      isEnabled: true,
      targetConfiguration: { targetType: "webhook", url: "https://hooks.example.com/b2", hmacSha256SigningSecret: "a".repeat(32) },
    };
    const set = await bucket.setNotificationRules([rule as never]);
    expect(set.eventNotificationRules).toHaveLength(1);
    const read = await bucket.notificationRules();
    expect(read.eventNotificationRules[0]).toMatchObject({ name: "newUploads", objectNamePrefix: "incoming/", isEnabled: true });
    expect(read.eventNotificationRules[0]?.targetConfiguration).toMatchObject({ url: "https://hooks.example.com/b2" });
    expect((await bucket.setNotificationRules([])).eventNotificationRules).toEqual([]);
    expect((await bucket.notificationRules()).eventNotificationRules).toEqual([]);
    await bucket.delete();
  });

  it("returns a key's secret once; lists it without the secret; deletes it", async () => {
    const [created, key] = await b2.createKey({ keyName: uniqueName("k"), capabilities: ["listBuckets", "listFiles"] });
    expect(typeof created.applicationKey).toBe("string");
    const listed = [];
    for await (const [model] of b2.keys(1000)) listed.push(model);
    const mine = listed.find((k) => k.applicationKeyId === created.applicationKeyId);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty("applicationKey");
    await key.delete();
    const after = [];
    for await (const [model] of b2.keys(1000)) after.push(model.applicationKeyId);
    expect(after).not.toContain(created.applicationKeyId);
  });

  it("enforces a key restricted to 2 of 3 buckets and to a name prefix", async () => {
    const buckets: [BucketModel, AwaitingBucket][] = [];
    for (let i = 0; i < 3; i++) buckets.push(await b2.createBucket({ bucketName: uniqueName(`scope${i}`) }));
    const [k] = await b2.createKey({
      keyName: uniqueName("scoped"),
      capabilities: ["listBuckets", "listFiles", "readFiles", "writeFiles"],
      bucketIds: [buckets[0]![0].bucketId, buckets[1]![0].bucketId],
      namePrefix: "allowed/",
    });
    const scoped = client(flavor, server, {}, k.applicationKeyId, k.applicationKey as string);
    try {
      const visible = [];
      for await (const [model] of scoped.buckets(["all"], { bucketId: buckets[1]![0].bucketId })) visible.push(model.bucketName);
      expect(visible).toEqual([buckets[1]![0].bucketName]);
      for (const i of [0, 1]) {
        const [model] = await scoped.bucket(buckets[i]![0].bucketId).upload({ fileName: "allowed/ok.txt" }, text("ok"));
        expect(model.fileName).toBe("allowed/ok.txt");
      }
      const third = await failure(() => scoped.bucket(buckets[2]![0].bucketId).upload({ fileName: "allowed/no.txt" }, text("no")));
      expect(third).toBeInstanceOf(Unauthorized);
      const outside = await failure(() => scoped.bucket(buckets[0]![0].bucketId).upload({ fileName: "other/no.txt" }, text("no")));
      expect(outside).toBeInstanceOf(Unauthorized);
    } finally {
      await scoped.close();
    }
  });
});
