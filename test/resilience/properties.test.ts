/**
 * Property tests: generated file names, fileInfo maps, bucket names, key names, capabilities and
 * durations, valid and invalid. For each, the SDK's verdict (its checks, run before sending)
 * must equal the local server's verdict on the same request sent over raw HTTP.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { validateRequest } from "../../src/core/validate-requests.js";
import { uploadHeaders } from "../../src/core/upload.js";
import { startLocal, uniqueName, type Server } from "./support.js";

let server: Server;
let api: (op: string, body: Record<string, unknown>) => Promise<{ status: number; json: Record<string, unknown> }>;
let accountId: string;
let bucketId: string;

beforeAll(async () => {
  server = await startLocal();
  const basic = Buffer.from(`${server.keyId}:${server.key}`).toString("base64");
  const auth = (await (await fetch(`${server.url}/b2api/v4/b2_authorize_account`, { headers: { Authorization: `Basic ${basic}` } })).json()) as {
    accountId: string;
    authorizationToken: string;
    apiInfo: { storageApi: { apiUrl: string } };
  };
  accountId = auth.accountId;
  api = async (op, body) => {
    const response = await fetch(`${auth.apiInfo.storageApi.apiUrl}/b2api/v4/${op}`, {
      method: "POST",
      headers: { Authorization: auth.authorizationToken, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const created = await api("b2_create_bucket", { accountId, bucketName: uniqueName("props"), bucketType: "allPrivate" });
  bucketId = created.json["bucketId"] as string;
});
afterAll(async () => {
  await server?.close();
});

/** The SDK's verdict: true when its checks accept the input. Anything but a ValidationError is a bug. */
function sdkAccepts(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/** The server's verdict: 200 accepts, 400 refuses; anything else is a failure of the test. */
function serverAccepts(status: number, json: unknown): boolean {
  if (status !== 200 && status !== 400) throw new Error(`server answered ${status}: ${JSON.stringify(json)}`);
  return status === 200;
}

const runs = { numRuns: 150, seed: 20261123 };

// Characters around every file-name rule: separators, controls, DEL, non-ASCII, astral, lone surrogates.
const nameChar = fc.constantFrom("a", "Z", "0", "/", ".", " ", "+", "%", "é", "自", "😀", "\u0000", "\u001f", "\u007f", "\ud800", "\udc00", "\\");
const fileName = fc.oneof(
  fc.string({ unit: nameChar, minLength: 0, maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  // Around the 1024-byte limit, in one-, two- and four-byte characters.
  fc.tuple(fc.constantFrom("x", "é", "😀"), fc.integer({ min: 250, max: 1030 })).map(([c, n]) => c.repeat(Math.ceil(n / Buffer.byteLength(c))) ),
);

const infoKeyChar = fc.constantFrom("a", "Z", "9", "-", "_", ".", "`", "~", "!", "#", "$", "%", "^", "&", "*", "'", "|", "+", " ", "/", "é", "=", ":");
const infoKey = fc.oneof(
  fc.string({ unit: infoKeyChar, minLength: 1, maxLength: 8 }),
  fc.integer({ min: 45, max: 55 }).map((n) => "k".repeat(n)),
  fc.constantFrom("b2-content-disposition", "b2-cache-control", "b2-unknown", "B2-Expires", "src_last_modified_millis"),
);
const infoValue = fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 4000 }).map((n) => "v".repeat(n)));
const fileInfo = fc.dictionary(infoKey, infoValue, { maxKeys: 4 });

describe("SDK and server agree", () => {
  it("on file names (b2_start_large_file)", async () => {
    await fc.assert(
      fc.asyncProperty(fileName, async (name) => {
        const body = { bucketId, fileName: name, contentType: "b2/x-auto" };
        const sdk = sdkAccepts(() => validateRequest("b2_start_large_file", body));
        const { status, json } = await api("b2_start_large_file", body);
        expect({ name, sdk }).toEqual({ name, sdk: serverAccepts(status, json) });
      }),
      runs,
    );
  });

  it("on fileInfo keys, values and the 7,000-byte budget (b2_start_large_file)", async () => {
    await fc.assert(
      fc.asyncProperty(fileInfo, fc.constantFrom("short.txt", "n".repeat(900)), async (info, name) => {
        const body = { bucketId, fileName: name, contentType: "b2/x-auto", fileInfo: info };
        const sdk = sdkAccepts(() => validateRequest("b2_start_large_file", body));
        const { status, json } = await api("b2_start_large_file", body);
        expect({ info, sdk }).toEqual({ info, sdk: serverAccepts(status, json) });
      }),
      runs,
    );
  });

  it("on upload names and fileInfo sent as headers (b2_upload_file)", async () => {
    const target = (await api("b2_get_upload_url", { bucketId })).json as { uploadUrl: string; authorizationToken: string };
    const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // what an HTTP header name may contain
    await fc.assert(
      fc.asyncProperty(fileName, fileInfo, async (name, info) => {
        let headers: Record<string, string> | undefined;
        const sdk = sdkAccepts(() => {
          headers = uploadHeaders({ fileName: name, fileInfo: info }, "b2_upload_file");
        });
        if (!sdk) {
          // What the SDK refused, sent as a careless client would (when HTTP can carry it at all).
          let encodedName: string;
          try {
            encodedName = encodeURIComponent(name);
          } catch {
            return; // an unpaired surrogate has no UTF-8 form
          }
          if (!Object.keys(info).every((k) => token.test(k))) return; // not a header name
          headers = { "X-Bz-File-Name": encodedName };
          for (const [k, v] of Object.entries(info)) headers[`X-Bz-Info-${k}`] = encodeURIComponent(v);
        }
        const response = await fetch(target.uploadUrl, {
          method: "POST",
          headers: { ...headers, Authorization: target.authorizationToken, "X-Bz-Content-Sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Content-Type": "text/plain" },
          body: new Uint8Array(0),
        });
        const json = await response.json();
        expect({ name, info, sdk }).toEqual({ name, info, sdk: serverAccepts(response.status, json) });
      }),
      { ...runs, numRuns: 120 },
    );
  });

  it("on bucket names (b2_create_bucket)", async () => {
    const bucketChar = fc.constantFrom("a", "b", "Z", "0", "9", "-", "_", ".", " ", "é");
    const name = fc.oneof(
      fc.string({ unit: bucketChar, minLength: 0, maxLength: 70 }),
      fc.tuple(fc.constantFrom("b2-", "B2-", "x2-"), fc.string({ unit: fc.constantFrom("a", "1", "-"), minLength: 3, maxLength: 8 })).map(([p, s]) => p + s),
      fc.integer({ min: 4, max: 66 }).map((n) => "q".repeat(n)),
    );
    await fc.assert(
      // Accepted buckets are deleted at once, so a later run may reuse the name.
      fc.asyncProperty(name, async (bucketName) => {
        const body = { accountId, bucketName, bucketType: "allPrivate" };
        const sdk = sdkAccepts(() => validateRequest("b2_create_bucket", body));
        const { status, json } = await api("b2_create_bucket", body);
        if (status === 200) await api("b2_delete_bucket", { accountId, bucketId: json["bucketId"] });
        expect({ bucketName, sdk }).toEqual({ bucketName, sdk: serverAccepts(status, json) });
      }),
      runs,
    );
  });

  it("on key names, capabilities and key durations (b2_create_key)", async () => {
    const keyChar = fc.constantFrom("a", "Z", "0", "-", "_", " ", "é", ".");
    const capability = fc.constantFrom("listFiles", "readFiles", "writeFiles", "deleteFiles", "shareFiles", "bypassGovernance", "readEverything", "ListFiles");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: keyChar, minLength: 0, maxLength: 12 }), fc.integer({ min: 98, max: 103 }).map((n) => "k".repeat(n))),
        fc.array(capability, { maxLength: 3 }),
        fc.option(fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom(86_400_000, 86_400_001, 1.5)), { nil: undefined }),
        async (keyName, capabilities, validDurationInSeconds) => {
          const body: Record<string, unknown> = { accountId, keyName, capabilities };
          if (validDurationInSeconds !== undefined) body["validDurationInSeconds"] = validDurationInSeconds;
          const sdk = sdkAccepts(() => validateRequest("b2_create_key", body));
          const { status, json } = await api("b2_create_key", body);
          if (status === 200) await api("b2_delete_key", { applicationKeyId: json["applicationKeyId"] });
          expect({ body, sdk }).toEqual({ body, sdk: serverAccepts(status, json) });
        },
      ),
      runs,
    );
  });

  it("on download-authorization durations (b2_get_download_authorization)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 604_790, max: 604_810 }), fc.constantFrom(0.5, 2.5)), async (seconds) => {
        const body = { bucketId, fileNamePrefix: "", validDurationInSeconds: seconds };
        const sdk = sdkAccepts(() => validateRequest("b2_get_download_authorization", body));
        const { status, json } = await api("b2_get_download_authorization", body);
        expect({ seconds, sdk }).toEqual({ seconds, sdk: serverAccepts(status, json) });
      }),
      { ...runs, numRuns: 60 },
    );
  });
});
