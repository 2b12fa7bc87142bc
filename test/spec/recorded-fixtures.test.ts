/**
 * Replays the recorded real B2 traffic (../shared/fixtures/recorded-b2-v2, API v2) against spec/b2.yaml:
 * every JSON request body must validate against its operation's request schema, every JSON response
 * body against the schema documented for that status (2xx and errors), and upload/download headers
 * against the declared header schemas. The only allowed differences are the documented v2 -> v4 ones,
 * applied by `toV4` below and nowhere else.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { deref, errorsOf, operation, type Operation, repoRoot, requestSchema, response, responseJsonSchema, validator } from "./spec-helpers.js";

const fixtureDir = resolve(repoRoot, "../shared/fixtures/recorded-b2-v2");

interface Recorded {
  file: string;
  method: string;
  url: URL;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

function flatHeaders(h: Record<string, string[]> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), v.join(", ")]));
}

function load(): Recorded[] {
  const out: Recorded[] = [];
  for (const file of readdirSync(fixtureDir).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(resolve(fixtureDir, file), "utf8"))) {
      const pair = doc.toJS() as { Request?: Record<string, unknown>; Response?: Record<string, unknown> }[];
      const req = pair.find((p) => p.Request)?.Request;
      const res = pair.find((p) => p.Response)?.Response;
      if (!req || !res) throw new Error(`${file}: exchange without request or response`);
      out.push({
        file,
        method: String(req["method"]),
        url: new URL(String(req["url"])),
        requestHeaders: flatHeaders(req["headers"] as Record<string, string[]>),
        requestBody: String(req["body"] ?? ""),
        status: Number(res["status"]),
        responseHeaders: flatHeaders(res["headers"] as Record<string, string[]>),
        responseBody: String(res["body"] ?? ""),
      });
    }
  }
  return out;
}

/** The v4 operation an exchange maps to, from its URL path (`/b2api/vN/<op>[/...]` or `/file/...`). */
function operationOf(r: Recorded): Operation {
  const m = /^\/b2api\/v\d+\/(b2_[a-z_]+)/.exec(r.url.pathname);
  const name = m?.[1] ?? (r.url.pathname.startsWith("/file/") ? "b2_download_file_by_name" : undefined);
  if (!name) throw new Error(`cannot map ${r.method} ${r.url.pathname} to an operation`);
  return operation(r.method === "HEAD" ? `${name}_head` : name);
}

/**
 * The documented v2 -> v4 differences, and only those:
 * - b2_authorize_account: v3 grouped the storage fields under `apiInfo.storageApi` and v4 moved the
 *   key's restriction to `apiInfo.storageApi.allowed {buckets, capabilities, namePrefix}`
 *   (https://www.backblaze.com/apidocs/b2-authorize-account, "API Versions" v3 and v4).
 * - keys (b2_create_key / b2_delete_key / b2_list_keys): v4 multi-bucket keys carry `bucketIds` where
 *   v1-v3 carry one `bucketId` (https://www.backblaze.com/apidocs/b2-create-key, /b2-list-keys,
 *   /b2-delete-key, "API Versions" v4).
 */
function toV4(op: string, status: number, body: Record<string, unknown>): Record<string, unknown> {
  if (status !== 200) return body;
  if (op === "b2_authorize_account") {
    const { absoluteMinimumPartSize, recommendedPartSize, apiUrl, downloadUrl, s3ApiUrl, allowed, accountId, authorizationToken, ...rest } = body;
    expect(Object.keys(rest)).toEqual([]); // nothing else to translate
    const a = allowed as { bucketId: string | null; bucketName: string | null; capabilities: string[]; namePrefix: string | null };
    return {
      accountId,
      authorizationToken,
      apiInfo: {
        storageApi: {
          absoluteMinimumPartSize,
          recommendedPartSize,
          apiUrl,
          downloadUrl,
          s3ApiUrl,
          allowed: { buckets: a.bucketId ? [{ id: a.bucketId, name: a.bucketName }] : null, capabilities: a.capabilities, namePrefix: a.namePrefix },
        },
      },
    };
  }
  const key = (k: Record<string, unknown>): Record<string, unknown> => {
    const { bucketId, ...rest } = k;
    return { ...rest, bucketIds: bucketId === null ? null : [bucketId] };
  };
  if (op === "b2_create_key" || op === "b2_delete_key") return key(body);
  if (op === "b2_list_keys") return { ...body, keys: (body["keys"] as Record<string, unknown>[]).map(key) };
  return body;
}

/** A v2 request body in v4 form (only create_key's `bucketId` differs; none was recorded, checked below). */
function requestToV4(op: string, body: Record<string, unknown>): Record<string, unknown> {
  if (op === "b2_create_key" && "bucketId" in body) {
    const { bucketId, ...rest } = body;
    return { ...rest, bucketIds: bucketId === null ? null : [bucketId] };
  }
  return body;
}

/** Declared header parameters (or response headers) checked against recorded, lower-cased headers. */
function checkHeaders(where: string, declared: { name: string; required: boolean; schema: Record<string, unknown> }[], actual: Record<string, string>): number {
  let checked = 0;
  for (const d of declared) {
    const value = actual[d.name.toLowerCase()];
    if (value === undefined) {
      expect(d.required, `${where}: required header ${d.name} missing`).toBe(false);
      continue;
    }
    const fn = validator(d.schema, { coerce: true });
    expect(fn(value), `${where}: header ${d.name}=${value}: ${errorsOf(fn)}`).toBe(true);
    checked++;
  }
  return checked;
}

function headerParams(op: Operation): { name: string; required: boolean; schema: Record<string, unknown> }[] {
  return ((op.raw["parameters"] as unknown[]) ?? [])
    .map((p) => deref<Record<string, unknown>>(p))
    .filter((p) => p["in"] === "header")
    .map((p) => ({ name: String(p["name"]), required: p["required"] === true, schema: p["schema"] as Record<string, unknown> }));
}

function responseHeaders(op: Operation, status: number): { name: string; required: boolean; schema: Record<string, unknown> }[] {
  const headers = (response(op, status)?.["headers"] ?? {}) as Record<string, unknown>;
  return Object.entries(headers).map(([name, h]) => {
    const header = deref<Record<string, unknown>>(h);
    return { name, required: header["required"] === true, schema: header["schema"] as Record<string, unknown> };
  });
}

const exchanges = load();

describe("recorded B2 v2 traffic validates against spec/b2.yaml", () => {
  const counts = { requestBodies: 0, responseBodies: 0, errorBodies: 0, headers: 0, translated: 0 };

  it("found the recordings", () => {
    expect(exchanges.length).toBe(54);
  });

  for (const [i, r] of exchanges.entries()) {
    it(`${r.file} #${i} ${r.method} ${r.url.pathname.split("/").slice(0, 4).join("/")} -> ${r.status}`, () => {
      const op = operationOf(r);
      const where = `${r.file} ${op.operationId} ${r.status}`;

      // Request
      const reqSchema = requestSchema(op);
      const isJson = (r.requestHeaders["content-type"] ?? "").includes("application/json");
      if (reqSchema) {
        expect(isJson, `${where}: JSON operation sent without a JSON body`).toBe(true);
        const body = requestToV4(op.operationId, JSON.parse(r.requestBody) as Record<string, unknown>);
        const fn = validator(reqSchema);
        expect(fn(body), `${where}: request ${errorsOf(fn)}`).toBe(true);
        counts.requestBodies++;
      } else if (op.operationId === "b2_download_file_by_id" && r.method === "POST") {
        // The documented POST form of a download: the query parameters as a JSON body.
        const params = ((op.raw["parameters"] as unknown[]) ?? []).map((p) => deref<Record<string, unknown>>(p)).filter((p) => p["in"] === "query");
        const schema = {
          type: "object",
          required: params.filter((p) => p["required"]).map((p) => p["name"]),
          properties: Object.fromEntries(params.map((p) => [p["name"], p["schema"]])),
          additionalProperties: false,
        };
        const fn = validator(schema);
        expect(fn(JSON.parse(r.requestBody)), `${where}: request ${errorsOf(fn)}`).toBe(true);
        counts.requestBodies++;
      } else if (op.operationId.startsWith("b2_upload_")) {
        counts.headers += checkHeaders(`${where} request`, headerParams(op), r.requestHeaders);
      }
      // (One recorded GET download carries a leftover JSON body of another call; GET bodies have no
      // meaning in HTTP and downloads declare none, so it is not checked.)

      // Response
      const documented = response(op, r.status);
      expect(documented, `${where}: status not documented`).toBeDefined();
      const resSchema = responseJsonSchema(op, r.status);
      if ((r.responseHeaders["content-type"] ?? "").includes("application/json")) {
        expect(resSchema, `${where}: JSON answer but no JSON schema for this status`).toBeDefined();
        const raw = JSON.parse(r.responseBody) as Record<string, unknown>;
        const body = toV4(op.operationId, r.status, raw);
        if (body !== raw) counts.translated++;
        const fn = validator(resSchema as Record<string, unknown>);
        expect(fn(body), `${where}: response ${errorsOf(fn)}`).toBe(true);
        if (r.status >= 400) {
          expect(body["status"]).toBe(r.status);
          counts.errorBodies++;
        } else counts.responseBodies++;
      } else {
        // Downloads: binary body, metadata in headers.
        expect(op.operationId).toMatch(/^b2_download_file_by_(id|name)$/);
        counts.headers += checkHeaders(`${where} response`, responseHeaders(op, r.status), r.responseHeaders);
      }
    });
  }

  it("checked every body and the translations were needed (counts observed on the recordings)", () => {
    // 54 exchanges: 41 JSON request bodies (all but 4 authorize GETs, 6 raw uploads and 3 GET
    // downloads; the POST download counts), 43 JSON 2xx answers + 7 error answers (the 4 downloads
    // answer bytes), 6 answers translated (3 authorize, create/delete/list keys), and 45 header values
    // checked on the 6 uploads and 4 downloads.
    expect(counts).toEqual({ requestBodies: 41, responseBodies: 43, errorBodies: 7, headers: 45, translated: 6 });
  });
});

describe("the v2 -> v4 translation list is minimal and necessary", () => {
  it("untranslated v2 authorize and key answers fail the v4 schemas", () => {
    const auth = exchanges.find((r) => r.url.pathname.endsWith("b2_authorize_account") && r.status === 200);
    const key = exchanges.find((r) => r.url.pathname.endsWith("b2_delete_key"));
    if (!auth || !key) throw new Error("recordings changed");
    const authFn = validator(responseJsonSchema(operation("b2_authorize_account"), 200) as Record<string, unknown>);
    expect(authFn(JSON.parse(auth.responseBody))).toBe(false);
    const keyFn = validator(responseJsonSchema(operation("b2_delete_key"), 200) as Record<string, unknown>);
    expect(keyFn(JSON.parse(key.responseBody))).toBe(false);
  });

  it("the validators are not vacuous: a corrupted recorded file version fails", () => {
    const upload = exchanges.find((r) => r.url.pathname.includes("b2_upload_file/") && r.status === 200);
    if (!upload) throw new Error("recordings changed");
    const fn = validator(responseJsonSchema(operation("b2_upload_file"), 200) as Record<string, unknown>);
    const body = JSON.parse(upload.responseBody) as Record<string, unknown>;
    expect(fn(body)).toBe(true);
    expect(fn({ ...body, contentLength: "4" })).toBe(false);
    expect(fn({ ...body, contentSha1: "xyz" })).toBe(false);
    const { fileName: _omit, ...noName } = body;
    expect(fn(noName)).toBe(false);
  });
});
