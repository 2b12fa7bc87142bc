/**
 * Models that carry a secret (the account token, a new key's applicationKey, an upload URL's or a
 * download authorization's token) keep it as a readable field and in JSON, but util.inspect and
 * console.log show it redacted, in both hierarchies.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer } from "../../src/testing/index.js";
import { client, flavors, startLocal, uniqueName, type Server } from "./support.js";

let server: Server;
let bucketId: string;

beforeAll(async () => {
  server = await startLocal();
  const [model] = await client("Awaiting", server).createBucket({ bucketName: uniqueName("model-secrets") });
  bucketId = model.bucketId;
});
afterAll(async () => {
  await server?.close();
});

/** The secret is there to read and in JSON, and nowhere in what inspect prints. */
function expectConcealed(model: object, field: "authorizationToken" | "applicationKey"): void {
  const secret = (model as Record<string, unknown>)[field];
  expect(typeof secret).toBe("string");
  expect((secret as string).length).toBeGreaterThan(8);
  expect(JSON.stringify(model)).toContain(secret as string);
  for (const shown of [inspect(model), inspect(model, { showHidden: true, depth: 8 }), inspect([model], { depth: 8 })]) {
    expect(shown).not.toContain(secret as string);
    expect(shown).toContain(`${field}: '[redacted]'`);
  }
}

describe.each(flavors)("%s", (flavor) => {
  it("authorize, createKey, uploadUrl (bucket and large file) and downloadAuthorization: readable, redacted when printed", async () => {
    const b2 = client(flavor, server);
    expectConcealed(await b2.authorize(), "authorizationToken");
    const [key] = await b2.createKey({ keyName: "printed", capabilities: ["listBuckets"] });
    expectConcealed(key, "applicationKey");
    const bucket = b2.bucket(bucketId);
    expectConcealed(await bucket.uploadUrl(), "authorizationToken");
    expectConcealed(await bucket.downloadAuthorization({ fileNamePrefix: "p/", validDurationInSeconds: 60 }), "authorizationToken");
    const [, large] = await bucket.createPart({ fileName: "printed.bin" });
    expectConcealed(await large.uploadUrl(), "authorizationToken");
    await b2.close();
  });
});

describe("the local server's handle", () => {
  it("gives its master key to code that reads it, never to inspect, JSON or a spread (startServer and startLocalServer)", async () => {
    const kit = await startLocalServer({ key: "K000-a-secret-master-key-value" });
    try {
      for (const handle of [server, kit]) {
        expect(handle.key.length).toBeGreaterThan(8);
        for (const shown of [inspect(handle), inspect(handle, { showHidden: true }), JSON.stringify(handle), inspect({ ...handle })]) {
          expect(shown).not.toContain(handle.key);
        }
        expect(inspect(handle)).toContain("key: '[redacted]'");
        expect(inspect(handle)).toContain(handle.url);
      }
    } finally {
      await kit.stop();
    }
  });
});
