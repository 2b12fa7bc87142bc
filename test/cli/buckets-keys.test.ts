/** `b2kit authorize`, `bucket ...` and `key ...` against the local server, checked through the SDK. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Awaiting } from "../../src/index.js";
import type { LocalB2Server } from "../../src/server/index.js";
import { b2kit, ensureBuilt, ok, okJson, serverWithEnv } from "./support.js";

let server: LocalB2Server;
let env: Record<string, string>;
let sdk: Awaiting;
beforeAll(async () => {
  await ensureBuilt();
  ({ server, env } = await serverWithEnv());
  sdk = new Awaiting(server.keyId, server.key, { authUrl: server.url });
});
afterAll(async () => {
  await sdk?.close();
  await server?.close();
});

async function sdkBuckets(): Promise<Map<string, { bucketType: string; bucketInfo: unknown; bucketId: string }>> {
  const found = new Map<string, { bucketType: string; bucketInfo: unknown; bucketId: string }>();
  for await (const [model] of sdk.buckets()) found.set(model.bucketName, model);
  return found;
}

describe("authorize", () => {
  it("shows the account and endpoints in plain and --json output", async () => {
    const text = await ok(["authorize"], env);
    expect(text).toContain(`api ${server.url}`);
    expect(text).toMatch(/^capabilities .*listBuckets/m);
    const json = await okJson(["authorize"], env);
    expect(json).toMatchObject({ apiUrl: server.url, downloadUrl: server.url });
    expect(json.allowed.capabilities).toContain("writeKeys");
    // The key itself is never echoed.
    expect(text + JSON.stringify(json)).not.toContain(server.key);
  });

  it("fails with the B2 error for a wrong key", async () => {
    const run = await b2kit(["authorize"], { ...env, B2_APPLICATION_KEY: "K000wrong" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^b2kit: b2_authorize_account: 401 \w+: /);
  });
});

describe("bucket", () => {
  it("creates, lists, updates and deletes buckets", async () => {
    const privateId = (await ok(["bucket", "create", "cli-private"], env)).trim();
    const created = await okJson(["bucket", "create", "cli-public", "allPublic"], env);
    let buckets = await sdkBuckets();
    expect(buckets.get("cli-private")).toMatchObject({ bucketId: privateId, bucketType: "allPrivate" });
    expect(buckets.get("cli-public")).toMatchObject({ bucketId: created.bucketId, bucketType: "allPublic" });

    const listed = await ok(["bucket", "list"], env);
    expect(listed).toMatch(new RegExp(`^${privateId}\\s+allPrivate\\s+cli-private$`, "m"));
    const listedJson = await okJson<{ bucketName: string }[]>(["bucket", "list"], env);
    expect(listedJson.map((b) => b.bucketName).sort()).toEqual(["cli-private", "cli-public"]);

    const updated = await okJson(["bucket", "update", "cli-private", "allPublic", "--info", "team=ops,tier=gold"], env);
    expect(updated).toMatchObject({ bucketType: "allPublic", bucketInfo: { team: "ops", tier: "gold" } });
    buckets = await sdkBuckets();
    expect(buckets.get("cli-private")).toMatchObject({ bucketType: "allPublic", bucketInfo: { team: "ops", tier: "gold" } });

    expect(await ok(["bucket", "delete", "cli-public"], env)).toBe("deleted cli-public\n");
    await ok(["bucket", "delete", "cli-private"], env);
    expect([...(await sdkBuckets()).keys()]).toEqual([]);
  });

  it("refuses a malformed --info and an unknown subcommand as usage errors", async () => {
    expect((await b2kit(["bucket", "update", "x", "--info", "novalue"], env)).code).toBe(2);
    expect((await b2kit(["bucket", "frob"], env)).code).toBe(2);
  });
});

describe("key", () => {
  it("creates a key restricted to a bucket, lists it, and deletes it", async () => {
    await ok(["bucket", "create", "cli-keys"], env);
    const created = await okJson(["key", "create", "reader", "listBuckets,listFiles,readFiles", "--bucket", "cli-keys", "--prefix", "docs/"], env);
    expect(created).toMatchObject({ keyName: "reader", capabilities: ["listBuckets", "listFiles", "readFiles"], namePrefix: "docs/" });
    expect(created.applicationKey).toBeTruthy();

    // The new key works (and is as restricted as asked).
    const restricted = await okJson(["authorize"], { ...env, B2_APPLICATION_KEY_ID: created.applicationKeyId, B2_APPLICATION_KEY: created.applicationKey });
    expect(restricted.allowed).toMatchObject({ namePrefix: "docs/", capabilities: ["listBuckets", "listFiles", "readFiles"] });

    const listed = await ok(["key", "list"], env);
    expect(listed).toMatch(new RegExp(`^${created.applicationKeyId}\\s+reader\\s+listBuckets,listFiles,readFiles$`, "m"));
    expect(listed).not.toContain(created.applicationKey);

    expect(await ok(["key", "delete", created.applicationKeyId], env)).toContain(`deleted ${created.applicationKeyId} (reader)`);
    expect(await okJson(["key", "list"], env)).toEqual([]);
    const gone = await b2kit(["authorize"], { ...env, B2_APPLICATION_KEY_ID: created.applicationKeyId, B2_APPLICATION_KEY: created.applicationKey });
    expect(gone.code).toBe(1);
  });

  it("plain `key create` prints the id and the secret once", async () => {
    const [id, secret] = (await ok(["key", "create", "plain", "listBuckets"], env)).trim().split(" ");
    const keys: string[] = [];
    for await (const [model] of sdk.keys()) keys.push(model.applicationKeyId);
    expect(keys).toContain(id);
    expect(secret).toMatch(/^K/);
  });
});

describe("a key restricted to one bucket", () => {
  it("can use its bucket with every file command (B2 refuses it an unfiltered bucket listing)", async () => {
    await ok(["bucket", "create", "cli-mine"], env);
    await ok(["bucket", "create", "cli-not-mine"], env);
    const created = await okJson(["key", "create", "scoped", "listBuckets,listFiles,readFiles,writeFiles,deleteFiles,shareFiles", "--bucket", "cli-mine"], env);
    const scoped = { ...env, B2_APPLICATION_KEY_ID: created.applicationKeyId, B2_APPLICATION_KEY: created.applicationKey };
    const dir = await mkdtemp(join(tmpdir(), "b2kit-cli-scoped-"));
    try {
      expect(await okJson(["bucket", "list"], scoped)).toEqual([{ bucketId: created.bucketIds[0], bucketName: "cli-mine" }]);
      await writeFile(join(dir, "in.txt"), "scoped\n");
      await ok(["upload", join(dir, "in.txt"), "b2://cli-mine/in.txt"], scoped);
      expect((await okJson<{ fileName: string }[]>(["ls", "b2://cli-mine"], scoped)).map((f) => f.fileName)).toEqual(["in.txt"]);
      await ok(["download", "b2://cli-mine/in.txt", join(dir, "out.txt")], scoped);
      expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("scoped\n");
      const url = (await ok(["url", "b2://cli-mine/in.txt"], scoped)).trim();
      expect(await (await fetch(url)).text()).toBe("scoped\n");
      await ok(["rm", "b2://cli-mine/in.txt"], scoped);

      const refused = await b2kit(["ls", "b2://cli-not-mine"], scoped);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe("b2kit: 404 not_found: this key is restricted to cli-mine, not cli-not-mine\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
