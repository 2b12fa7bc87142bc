/**
 * Secret hygiene: the application key, the account, upload and download tokens and SSE-C keys
 * never appear in thrown errors (message, stack, cause chain), in `util.inspect` or
 * `JSON.stringify` of SDK objects (clients, handles, engine, errors), or in logger lines — over
 * representative flows with failures and retries, in both hierarchies.
 * Models B2 returns are data, not SDK objects: `createKey`'s model keeps `applicationKey` (B2
 * shows it once, the caller needs it), and upload-URL / download-authorization models keep
 * their tokens; none of these may surface anywhere else.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreEngine } from "../../src/core/engine.js";
import type { AwaitingBucket } from "../../src/index.js";
import { advanceClock, clearFaults, client, failure, flavors, injectFault, startLocal, uniqueName, type Awaiting, type Server } from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

/** Everything an error shows: message, stack, inspect, JSON, and the same for each cause. */
function errorText(error: unknown, depth = 0): string {
  if (depth > 8 || error === undefined || error === null) return "";
  if (!(error instanceof Error)) return `${inspect(error, { depth: 6 })} ${safeJson(error)}`;
  return [error.message, error.stack ?? "", inspect(error, { depth: 6, showHidden: true }), safeJson(error), errorText((error as { cause?: unknown }).cause, depth + 1)].join("\n");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/** Text of an SDK object as a user could print it. */
const objectText = (value: unknown): string => `${inspect(value, { depth: 8, showHidden: true })}\n${safeJson(value)}\n${String(value)}`;

describe.each(flavors)("%s: secrets never leak", (flavor) => {
  const seen: string[] = [];
  const secrets = new Map<string, string>();
  let b2: Awaiting;
  let bucket: AwaitingBucket;

  /** Runs `fn`, keeping whatever it throws. */
  async function capture(fn: () => unknown): Promise<void> {
    seen.push(errorText(await failure(fn)));
  }

  beforeAll(async () => {
    const logger = (line: string): void => void seen.push(line);
    b2 = client(flavor, server, flavor === "Awaiting" ? { logger } : {});
    secrets.set("application key", server.key);
    const auth = await b2.authorize();
    secrets.set("account token", auth.authorizationToken);
    let model;
    [model, bucket] = await b2.createBucket({ bucketName: uniqueName("secrets") });
    seen.push(objectText(b2), objectText(bucket));
    void model;
  });
  afterAll(async () => {
    await b2.close();
  });

  it("runs flows with failures and retries, then finds no secret in anything collected", { timeout: 60_000 }, async () => {
    await clearFaults(server);
    // Upload URLs and their tokens (models hand them out on purpose; they must not leak elsewhere).
    const url = await bucket.uploadUrl();
    secrets.set("upload token", url.authorizationToken);

    // Uploads through 503 / token 401 / reset / cap_exceeded.
    await injectFault(server, { op: "b2_upload_file", status: 503 });
    await injectFault(server, { op: "b2_upload_file", status: 401, code: "expired_auth_token", skip: 1 });
    const [, file] = await bucket.upload({ fileName: "plain.txt" }, randomBytes(300));
    seen.push(objectText(file));
    await injectFault(server, { op: "b2_upload_file", wire: "reset_mid_body" });
    await bucket.upload({ fileName: "reset.txt" }, randomBytes(20_000));
    await injectFault(server, { op: "b2_upload_file", status: 403, code: "cap_exceeded" });
    await capture(() => bucket.upload({ fileName: "capped.txt" }, randomBytes(10)));
    await injectFault(server, { op: "b2_upload_file", status: 500, count: 6 });
    await capture(() => bucket.upload({ fileName: "exhausted.txt" }, randomBytes(10)));
    await clearFaults(server);

    // Parts: a large file with a part URL token and a failed part.
    const [, large] = await bucket.createPart({ fileName: "large.bin" });
    const partUrl = await large.uploadUrl();
    secrets.set("part upload token", partUrl.authorizationToken);
    await injectFault(server, { op: "b2_upload_part", status: 503 });
    const parts = large.parts();
    await parts.data(randomBytes(1500));
    await parts.data(randomBytes(500));
    seen.push(objectText(parts), objectText(large));
    await parts.finish();

    // SSE-C: the customer key in settings, wrong keys, missing keys.
    const customerKey = randomBytes(32).toString("base64");
    secrets.set("SSE-C key", customerKey);
    const [, sealed] = await bucket.upload({ fileName: "sealed.txt", serverSideEncryption: { mode: "SSE-C", customerKey } }, randomBytes(100));
    await sealed.download({ serverSideEncryption: { customerKey } });
    const wrongKey = randomBytes(32).toString("base64");
    secrets.set("wrong SSE-C key", wrongKey);
    await capture(() => sealed.download({ serverSideEncryption: { customerKey: wrongKey } }));
    await capture(() => sealed.download());

    // Download authorization tokens.
    const grant = await bucket.downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 60 });
    secrets.set("download token", grant.authorizationToken);

    // Downloads through 503 and a cut, a 401 that re-authorizes, the clock expiring the token.
    await injectFault(server, { op: "b2_download_file_by_id", status: 503 });
    await injectFault(server, { op: "b2_download_file_by_id", wire: "reset_mid_body", skip: 1 });
    await file.download();
    await injectFault(server, { op: "b2_get_file_info", status: 401, code: "bad_auth_token" });
    await file.get();
    await advanceClock(server, 24 * 3600 + 10);
    await file.get();
    secrets.set("renewed account token", (await b2.authorize()).authorizationToken);
    await injectFault(server, { op: "b2_get_file_info", status: 401, code: "expired_auth_token", count: 2 });
    await capture(() => file.get());

    // A created key: its secret is returned by createKey; a client using it fails in several ways.
    const [created, keyHandle] = await b2.createKey({ keyName: uniqueName("leak"), capabilities: ["listFiles"] });
    seen.push(objectText(keyHandle));
    const createdKey = (created as { applicationKey?: string }).applicationKey as string;
    secrets.set("created application key", createdKey);
    const limited = client(flavor, server, flavor === "Awaiting" ? { logger: (l) => void seen.push(l) } : {}, created.applicationKeyId, createdKey);
    try {
      await capture(() => limited.createBucket({ bucketName: uniqueName("nope") }));
      seen.push(objectText(limited));
    } finally {
      await limited.close();
    }
    const wrong = client(flavor, server, { maxAttempts: 2 }, server.keyId, `${server.key}x`);
    try {
      await capture(() => wrong.authorize());
      await capture(async () => {
        for await (const _ of wrong.buckets()) void _;
      });
      seen.push(objectText(wrong));
    } finally {
      await wrong.close();
    }
    // Unreachable server: connection errors.
    const offline = client(flavor, server, { authUrl: "http://127.0.0.1:9", maxAttempts: 2 });
    try {
      await capture(() => offline.authorize());
    } finally {
      await offline.close();
    }
    // Validation errors carrying user input next to secrets.
    await capture(() => bucket.upload({ fileName: "bad//name", serverSideEncryption: { mode: "SSE-C", customerKey } }, randomBytes(1)));
    await capture(() => bucket.upload({ fileName: "x", fileInfo: { big: "v".repeat(2100) }, serverSideEncryption: { mode: "SSE-C", customerKey } }, randomBytes(1)));

    if (flavor === "Awaiting") {
      const engine = new CoreEngine(server.keyId, server.key, { authUrl: server.url });
      await engine.run("Client.authorize", { kind: "Client" }, []);
      seen.push(objectText(engine), objectText(engine.context), objectText(engine.context.api), objectText(engine.context.api.session));
      await engine.close();
    }

    const all = seen.join("\n");
    expect(seen.length).toBeGreaterThan(10);
    expect(all).toContain("cap_exceeded"); // the collected text is real
    for (const [what, secret] of secrets) {
      expect(secret.length, what).toBeGreaterThan(8);
      expect(all.includes(secret), `${what} leaked`).toBe(false);
      // Also as the base64 of "keyId:key" an Authorization header would carry.
      if (what === "application key") expect(all.includes(Buffer.from(`${server.keyId}:${secret}`).toString("base64")), "Basic credentials leaked").toBe(false);
    }
  });
});
