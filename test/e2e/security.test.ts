/** Conformance: encryption, Object Lock and download authorization, through both hierarchies. */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { B2Error, type Awaiting } from "../../src/index.js";
import { advanceClock, client, failure, flavors, startLocal, text, uniqueName, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-security-");

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: encryption, lock, download authorization", (flavor) => {
  let b2: Awaiting;
  beforeAll(() => {
    b2 = client(flavor, server);
  });
  afterAll(async () => {
    await b2.close();
  });

  it("SSE-B2: an upload reports SSE-B2/AES256, and a bucket default of SSE-B2 is inherited", async () => {
    const [, plain] = await b2.createBucket({ bucketName: uniqueName("sseb2") });
    const [explicit] = await plain.upload({ fileName: "e.txt", serverSideEncryption: { mode: "SSE-B2" } }, text("secret"));
    expect(explicit.serverSideEncryption).toMatchObject({ mode: "SSE-B2", algorithm: "AES256" });
    const [, defaulted] = await b2.createBucket({ bucketName: uniqueName("ssedef"), defaultServerSideEncryption: { mode: "SSE-B2", algorithm: "AES256" } });
    const [inherited, file] = await defaulted.upload({ fileName: "d.txt" }, text("inherited"));
    expect(inherited.serverSideEncryption).toMatchObject({ mode: "SSE-B2", algorithm: "AES256" });
    expect(new TextDecoder().decode(await file.download())).toBe("inherited");
  });

  it("SSE-C: reports the key's MD5; downloads with the key give plaintext; without it B2 refuses", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("ssec") });
    const key = randomBytes(32).toString("base64");
    const md5 = createHash("md5").update(Buffer.from(key, "base64")).digest("base64");
    const [model, file] = await bucket.upload({ fileName: "c.txt", serverSideEncryption: { mode: "SSE-C", customerKey: key } }, text("customer secret"));
    expect(model.serverSideEncryption).toMatchObject({ mode: "SSE-C", algorithm: "AES256", customerKeyMd5: md5 });
    expect(new TextDecoder().decode(await file.download({ serverSideEncryption: { customerKey: key } }))).toBe("customer secret");
    const refused = await failure(() => file.download());
    expect(refused).toBeInstanceOf(B2Error);
    expect((refused as B2Error).status).toBeGreaterThanOrEqual(400);
    const wrongKey = randomBytes(32).toString("base64");
    expect(await failure(() => file.download({ serverSideEncryption: { customerKey: wrongKey } }))).toBeInstanceOf(B2Error);
  });

  it("SSE-C large file by hand: createPart and copies take the short { mode, customerKey } form; parts carry the key given to parts()", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("ssecparts") });
    const key = randomBytes(32).toString("base64");
    const sse = { mode: "SSE-C", customerKey: key } as const;
    const [, file] = await bucket.createPart({ fileName: "by-hand.bin", serverSideEncryption: sse });
    const first = randomBytes(1500);
    const rest = randomBytes(700);
    const path = join(scratch, `${flavor}-rest.bin`);
    writeFileSync(path, rest);
    // Without the key B2 refuses the part; with it, data and file parts go up.
    expect(await failure(() => file.parts().data(first))).toBeInstanceOf(B2Error);
    const parts = file.parts(0, { customerKey: key });
    expect("serverSideEncryption" in parts).toBe(false); // state only: the key has no getter
    expect(inspect(parts, { showHidden: true, depth: 5 })).not.toContain(key);
    await parts.data(first);
    await parts.file(path);
    const model = await parts.finish();
    expect(model.serverSideEncryption).toMatchObject({ mode: "SSE-C", algorithm: "AES256" });
    const whole = Buffer.concat([first, rest]);
    expect(Buffer.from(await file.download({ serverSideEncryption: { customerKey: key } })).equals(whole)).toBe(true);
    // Copies, simple (a range) and over the single-copy limit (as parts), in the short form.
    const [small] = await file.copy({ fileName: "copy-small.bin", range: "bytes=0-99", sourceServerSideEncryption: sse, destinationServerSideEncryption: sse });
    expect(small.contentLength).toBe(100);
    const [, big] = await b2.file(file.fileId).copy({ fileName: "copy-big.bin", sourceServerSideEncryption: sse, destinationServerSideEncryption: sse });
    expect(Buffer.from(await big.download({ serverSideEncryption: { customerKey: key } })).equals(whole)).toBe(true);
  });

  it("Object Lock: bucket default retention round-trips and applies to new uploads", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("lock"), fileLockEnabled: true });
    const updated = await bucket.update({ defaultRetention: { mode: "governance", period: { duration: 2, unit: "days" } } });
    expect(updated.fileLockConfiguration?.value?.defaultRetention).toMatchObject({ mode: "governance", period: { duration: 2, unit: "days" } });
    const [model] = await bucket.upload({ fileName: "retained.txt" }, text("keep me"));
    expect(model.fileRetention?.value?.mode).toBe("governance");
    expect(model.fileRetention?.value?.retainUntilTimestamp).toBeGreaterThan(Date.now());
  });

  it("governance retention blocks delete unless bypassGovernance; legal hold blocks delete until off", async () => {
    const [, bucket] = await b2.createBucket({ bucketName: uniqueName("gov"), fileLockEnabled: true });
    const [model, file] = await bucket.upload({ fileName: "gov.txt" }, text("governed"));
    await file.updateRetention({ fileRetention: { mode: "governance", retainUntilTimestamp: Date.now() + 86_400_000 } });
    expect(await failure(() => file.delete(model.fileName))).toBeInstanceOf(B2Error);
    await file.delete(model.fileName, true);

    const [held, heldFile] = await bucket.upload({ fileName: "held.txt" }, text("held"));
    await heldFile.updateLegalHold("on");
    expect(await failure(() => heldFile.delete(held.fileName))).toBeInstanceOf(B2Error);
    await heldFile.updateLegalHold("off");
    await heldFile.delete(held.fileName);
  });

  it("a download-authorization token for a prefix works on a plain GET until it expires, then 401", async () => {
    const bucketName = uniqueName("dlauth");
    const [, bucket] = await b2.createBucket({ bucketName });
    await bucket.upload({ fileName: "shared/report.txt" }, text("for your eyes"));
    await bucket.upload({ fileName: "private/other.txt" }, text("not shared"));
    const grant = await bucket.downloadAuthorization({ fileNamePrefix: "shared/", validDurationInSeconds: 60 });
    const auth = await b2.authorize();
    const base = `${auth.apiInfo.storageApi.downloadUrl}/file/${bucketName}`;
    const token = encodeURIComponent(grant.authorizationToken);
    const ok = await fetch(`${base}/shared/report.txt?Authorization=${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("for your eyes");
    expect((await fetch(`${base}/private/other.txt?Authorization=${token}`)).status).toBe(401);
    await advanceClock(server, 120);
    expect((await fetch(`${base}/shared/report.txt?Authorization=${token}`)).status).toBe(401);
  });
});
