/**
 * The shape every other part of b2kit relies on: operation IDs, paths and methods, security, hosts,
 * examples on every success answer (so a static Prism mock answers every call), documented errors,
 * list examples that end pagination, and schemas that Ajv 2020 compiles and that accept the examples.
 */
import { describe, expect, it } from "vitest";
import { deref, errorsOf, operation, operations, requestSchema, response, spec, validator } from "./spec-helpers.js";

type Json = Record<string, unknown>;

const JSON_OPS = [
  "b2_cancel_large_file", "b2_copy_file", "b2_copy_part", "b2_create_bucket", "b2_create_key", "b2_delete_bucket",
  "b2_delete_file_version", "b2_delete_key", "b2_finish_large_file", "b2_get_bucket_notification_rules",
  "b2_get_download_authorization", "b2_get_file_info", "b2_get_upload_part_url", "b2_get_upload_url", "b2_hide_file",
  "b2_list_buckets", "b2_list_file_names", "b2_list_file_versions", "b2_list_keys", "b2_list_parts",
  "b2_list_unfinished_large_files", "b2_set_bucket_notification_rules", "b2_start_large_file", "b2_update_bucket",
  "b2_update_file_legal_hold", "b2_update_file_retention",
];
const ALL_31 = [...JSON_OPS, "b2_authorize_account", "b2_download_file_by_id", "b2_download_file_by_name", "b2_upload_file", "b2_upload_part"];

const pascal = (op: string): string => op.replace(/^b2_/, "").split("_").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
const successStatuses = (op: Json): string[] => Object.keys(op["responses"] as Json).filter((s) => s.startsWith("2"));
const jsonMedia = (r: Json | undefined): Json | undefined => (r?.["content"] as Record<string, Json> | undefined)?.["application/json"];

/** The example values of a media type object (`example` or each of `examples`). */
function exampleValues(media: Json): unknown[] {
  if ("example" in media) return [media["example"]];
  return Object.values((media["examples"] ?? {}) as Json).map((e) => deref<Json>(e)["value"]);
}

describe("operations", () => {
  it("has exactly the 31 B2 operations plus the two HEAD downloads", () => {
    expect(ALL_31).toHaveLength(31);
    expect(operations.map((o) => o.operationId).sort()).toEqual([...ALL_31, "b2_download_file_by_id_head", "b2_download_file_by_name_head"].sort());
  });

  it("uses the agreed paths and methods", () => {
    const where = (id: string): string => `${operation(id).method.toUpperCase()} ${operation(id).path}`;
    expect(where("b2_authorize_account")).toBe("GET /b2api/v4/b2_authorize_account");
    expect(where("b2_get_bucket_notification_rules")).toBe("GET /b2api/v4/b2_get_bucket_notification_rules");
    for (const id of JSON_OPS.filter((o) => o !== "b2_get_bucket_notification_rules")) expect(where(id)).toBe(`POST /b2api/v4/${id}`);
    expect(where("b2_upload_file")).toBe("POST /b2api/v4/b2_upload_file/{bucketId}/{uploadTarget}");
    expect(where("b2_upload_part")).toBe("POST /b2api/v4/b2_upload_part/{fileId}/{uploadTarget}");
    expect(where("b2_download_file_by_id")).toBe("GET /b2api/v4/b2_download_file_by_id");
    expect(where("b2_download_file_by_id_head")).toBe("HEAD /b2api/v4/b2_download_file_by_id");
    expect(where("b2_download_file_by_name")).toBe("GET /file/{bucketName}/{fileName}");
    expect(where("b2_download_file_by_name_head")).toBe("HEAD /file/{bucketName}/{fileName}");
  });

  it("names every JSON request body <PascalCaseOp>Request", () => {
    for (const id of JSON_OPS.filter((o) => o !== "b2_get_bucket_notification_rules")) {
      expect(requestSchema(operation(id))?.["$ref"], id).toBe(`#/components/schemas/${pascal(id)}Request`);
    }
  });

  it("puts each operation on its host: auth, apiUrl, downloadUrl or the upload pod", () => {
    const host = (id: string): string => ((spec.paths[operation(id).path]!["servers"] as Json[])[0]!["url"] as string);
    expect(host("b2_authorize_account")).toBe("https://api.backblazeb2.com");
    for (const id of JSON_OPS) expect(host(id), id).toBe("{apiUrl}");
    for (const id of ["b2_download_file_by_id", "b2_download_file_by_name"]) expect(host(id)).toBe("{downloadUrl}");
    for (const id of ["b2_upload_file", "b2_upload_part"]) expect(host(id)).toBe("{uploadUrlHost}");
    expect((spec["servers"] as Json[]).map((s) => s["url"])).toEqual(["https://api.backblazeb2.com", "{apiUrl}", "{downloadUrl}"]);
  });
});

describe("security", () => {
  const schemes = (spec.components["securitySchemes"] ?? {}) as Record<string, Json>;
  const effective = (id: string): Json[] => operation(id).security ?? (spec["security"] as Json[]);

  it("defines Basic for authorize and raw-token apiKey schemes (not Bearer)", () => {
    expect(schemes["basicAuth"]).toMatchObject({ type: "http", scheme: "basic" });
    expect(schemes["accountToken"]).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    expect(schemes["uploadToken"]).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    expect(schemes["downloadAuthQuery"]).toMatchObject({ type: "apiKey", in: "query", name: "Authorization" });
    expect(Object.values(schemes).filter((s) => s["type"] === "http" && s["scheme"] !== "basic")).toEqual([]);
  });

  it("applies them per operation", () => {
    expect(effective("b2_authorize_account")).toEqual([{ basicAuth: [] }]);
    for (const id of JSON_OPS) expect(effective(id), id).toEqual([{ accountToken: [] }]);
    for (const id of ["b2_upload_file", "b2_upload_part"]) expect(effective(id)).toEqual([{ uploadToken: [] }]);
    for (const id of ["b2_download_file_by_id", "b2_download_file_by_id_head"]) expect(effective(id)).toEqual([{ accountToken: [] }, {}]);
    for (const id of ["b2_download_file_by_name", "b2_download_file_by_name_head"]) {
      expect(effective(id)).toEqual([{ accountToken: [] }, { downloadAuthQuery: [] }, {}]);
    }
  });
});

describe("examples", () => {
  it("every success answer has an example (body, or every header for HEAD)", () => {
    for (const op of operations) {
      const statuses = successStatuses(op.raw);
      expect(statuses.length, op.operationId).toBeGreaterThan(0);
      for (const status of statuses) {
        const r = response(op, Number(status))!;
        const content = r["content"] as Record<string, Json> | undefined;
        if (content) {
          for (const [type, media] of Object.entries(content)) expect(exampleValues(media).length, `${op.operationId} ${status} ${type}`).toBeGreaterThan(0);
        } else {
          expect(op.method, `${op.operationId} ${status} has no body`).toBe("head");
          for (const [name, h] of Object.entries((r["headers"] ?? {}) as Json)) expect(deref<Json>(h)["example"], `${op.operationId} ${name}`).toBeDefined();
        }
      }
    }
  });

  it("every request has an example: JSON body, binary body, and every parameter", () => {
    for (const op of operations) {
      const body = deref<Json | undefined>(op.raw["requestBody"]);
      if (body) for (const media of Object.values(body["content"] as Record<string, Json>)) expect(exampleValues(media).length, op.operationId).toBeGreaterThan(0);
      for (const p of (op.raw["parameters"] as unknown[]) ?? []) {
        const param = deref<Json>(p);
        expect(param["example"], `${op.operationId} ${String(param["name"])}`).toBeDefined();
      }
    }
  });

  it("examples validate against their schemas (requests and answers, errors included)", () => {
    let checked = 0;
    for (const op of operations) {
      const medias: [string, Json][] = [];
      const body = deref<Json | undefined>(op.raw["requestBody"]);
      if (jsonMedia(body)) medias.push(["request", jsonMedia(body)!]);
      for (const status of Object.keys(op.raw["responses"] as Json)) {
        const media = jsonMedia(response(op, Number(status)));
        if (media) medias.push([status, media]);
      }
      for (const [where, media] of medias) {
        const fn = validator(media["schema"] as Json);
        for (const value of exampleValues(media)) {
          expect(fn(value), `${op.operationId} ${where}: ${errorsOf(fn)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("list examples end pagination (next cursors are null)", () => {
    const cursors: Record<string, string[]> = {
      b2_list_file_names: ["nextFileName"],
      b2_list_file_versions: ["nextFileName", "nextFileId"],
      b2_list_keys: ["nextApplicationKeyId"],
      b2_list_parts: ["nextPartNumber"],
      b2_list_unfinished_large_files: ["nextFileId"],
    };
    for (const [id, names] of Object.entries(cursors)) {
      for (const value of exampleValues(jsonMedia(response(operation(id), 200))!)) {
        for (const n of names) expect((value as Json)[n], `${id}.${n}`).toBeNull();
      }
    }
  });

  it("examples use realistic B2 hosts (the test proxy rewrites them)", () => {
    const auth = exampleValues(jsonMedia(response(operation("b2_authorize_account"), 200))!)[0] as { apiInfo: { storageApi: Json } };
    expect(auth.apiInfo.storageApi["apiUrl"]).toMatch(/^https:\/\/api\d{3}\.backblazeb2\.com$/);
    expect(auth.apiInfo.storageApi["downloadUrl"]).toMatch(/^https:\/\/f\d{3}\.backblazeb2\.com$/);
    const up = exampleValues(jsonMedia(response(operation("b2_get_upload_url"), 200))!)[0] as Json;
    expect(up["uploadUrl"]).toMatch(/^https:\/\/pod-[\d-]+\.backblaze\.com\/b2api\/v4\/b2_upload_file\/[^/]+\/[^/]+$/);
    const part = exampleValues(jsonMedia(response(operation("b2_get_upload_part_url"), 200))!)[0] as Json;
    expect(part["uploadUrl"]).toMatch(/^https:\/\/pod-[\d-]+\.backblaze\.com\/b2api\/v4\/b2_upload_part\/[^/]+\/[^/]+$/);
  });

  it("the download example's SHA-1 header matches its body, so SDK checksum checks pass on the mock", async () => {
    const { createHash } = await import("node:crypto");
    const full = deref<Json>(spec.components["responses"] && (spec.components["responses"] as Json)["DownloadFull"]);
    const body = ((full["content"] as Record<string, Json>)["application/octet-stream"]!["example"]) as string;
    const sha1 = deref<Json>((full["headers"] as Json)["X-Bz-Content-Sha1"])["example"];
    expect(createHash("sha1").update(body).digest("hex")).toBe(sha1);
  });
});

describe("errors", () => {
  const isErrorSchema = (media: Json | undefined): boolean => (media?.["schema"] as Json | undefined)?.["$ref"] === "#/components/schemas/Error";

  it("every JSON operation documents 400 and 401 with the Error schema and named examples", () => {
    for (const id of [...JSON_OPS, "b2_authorize_account", "b2_upload_file", "b2_upload_part", "b2_download_file_by_id", "b2_download_file_by_name"]) {
      for (const status of [400, 401]) {
        const media = jsonMedia(response(operation(id), status));
        expect(isErrorSchema(media), `${id} ${status}`).toBe(true);
        expect(Object.keys((media!["examples"] ?? {}) as Json).length, `${id} ${status}`).toBeGreaterThan(0);
      }
    }
  });

  it("every error example carries its own status and a code named like its key", () => {
    for (const op of operations) {
      for (const status of Object.keys(op.raw["responses"] as Json).filter((s) => Number(s) >= 400)) {
        const media = jsonMedia(response(op, Number(status)));
        if (!media) {
          expect(op.method, `${op.operationId} ${status} has no body`).toBe("head");
          continue;
        }
        expect(isErrorSchema(media), `${op.operationId} ${status}`).toBe(true);
        for (const [name, e] of Object.entries(media["examples"] as Json)) {
          const value = deref<Json>(e)["value"] as Json;
          expect(value["status"], `${op.operationId} ${status} ${name}`).toBe(Number(status));
          expect(value["code"], `${op.operationId} ${status} ${name}`).toBe(name);
        }
      }
    }
  });

  it("documents the status codes B2 uses where they apply", () => {
    const statuses = (id: string): string[] => Object.keys(operation(id).raw["responses"] as Json);
    expect(statuses("b2_update_bucket")).toContain("409");
    for (const id of ["b2_download_file_by_id", "b2_download_file_by_name"]) expect(statuses(id)).toEqual(expect.arrayContaining(["200", "206", "400", "401", "403", "404", "416", "429", "500", "503"]));
    for (const id of ["b2_upload_file", "b2_upload_part"]) expect(statuses(id)).toEqual(expect.arrayContaining(["400", "401", "403", "408", "429", "500", "503"]));
    for (const id of JSON_OPS) expect(statuses(id), id).toEqual(expect.arrayContaining(["200", "400", "401", "403", "429", "500", "503"]));
    expect(statuses("b2_get_file_info")).toContain("404");
  });
});

describe("schemas", () => {
  it("every component schema compiles with Ajv 2020 (strict: false)", () => {
    const names = Object.keys(spec.components["schemas"] as Json);
    for (const name of names) expect(() => validator({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    for (const name of ["Error", "AuthorizeAccountResponse", "Bucket", "File", "Key", "CreatedKey", "Part", "UploadUrl", "UploadPartUrl", "ListFileVersionsResponse", "ServerSideEncryptionRequest", "BucketFileLockConfiguration", "ReplicationConfiguration", "NotificationRule"]) {
      expect(names).toContain(name);
    }
  });

  it("keeps B2's open enums open and its limits", () => {
    const file = validator({ $ref: "#/components/schemas/File" });
    const hide = exampleValues(jsonMedia(response(operation("b2_hide_file"), 200))!)[0] as Json;
    expect(file({ ...hide, action: "some_future_action" })).toBe(true);
    const bucket = validator({ $ref: "#/components/schemas/Bucket" });
    const b = exampleValues(jsonMedia(response(operation("b2_create_bucket"), 200))!)[0] as Json;
    expect(bucket({ ...b, bucketType: "restricted" })).toBe(true);
    const err = validator({ $ref: "#/components/schemas/Error" });
    expect(err({ status: 400, code: "a_code_added_later", message: "" })).toBe(true);

    const names = validator({ $ref: "#/components/schemas/ListFileNamesRequest" });
    expect(names({ bucketId: "b", maxFileCount: 10000 })).toBe(true);
    expect(names({ bucketId: "b", maxFileCount: 10001 })).toBe(false);
    expect(names({ bucketId: "b", maxFileCount: null, prefix: null, delimiter: null, startFileName: null })).toBe(true);
    const parts = validator({ $ref: "#/components/schemas/ListPartsRequest" });
    expect(parts({ fileId: "f", maxPartCount: 1000 })).toBe(true);
    expect(parts({ fileId: "f", maxPartCount: 1001 })).toBe(false);
    const unfinished = validator({ $ref: "#/components/schemas/ListUnfinishedLargeFilesRequest" });
    expect(unfinished({ bucketId: "b", maxFileCount: 100 })).toBe(true);
    expect(unfinished({ bucketId: "b", maxFileCount: 101 })).toBe(false);
    const keys = validator({ $ref: "#/components/schemas/ListKeysRequest" });
    expect(keys({ accountId: "a", maxKeyCount: 10000 })).toBe(true);
    expect(keys({ accountId: "a", maxKeyCount: 10001 })).toBe(false);
    const create = validator({ $ref: "#/components/schemas/CreateBucketRequest" });
    expect(create({ accountId: "a", bucketName: "b2-reserved", bucketType: "allPrivate" })).toBe(false);
    expect(create({ accountId: "a", bucketName: "short", bucketType: "allPrivate" })).toBe(false);
    const auth = validator({ $ref: "#/components/schemas/GetDownloadAuthorizationRequest" });
    expect(auth({ bucketId: "b", fileNamePrefix: "", validDurationInSeconds: 604800 })).toBe(true);
    expect(auth({ bucketId: "b", fileNamePrefix: "", validDurationInSeconds: 604801 })).toBe(false);
  });

  it("constrains the upload headers", () => {
    const header = (id: string, name: string): Json => {
      const p = ((operation(id).raw["parameters"] as unknown[]).map((x) => deref<Json>(x))).find((x) => x["name"] === name);
      if (!p) throw new Error(`${id} has no ${name}`);
      return p;
    };
    const sha1 = validator(header("b2_upload_file", "X-Bz-Content-Sha1")["schema"] as Json);
    for (const ok of ["81fe8bfe87576c3ecb22426f8e57847382917acf", "hex_digits_at_end", "do_not_verify"]) expect(sha1(ok), ok).toBe(true);
    for (const bad of ["81fe8b", "unverified:81fe8bfe87576c3ecb22426f8e57847382917acf", "none"]) expect(sha1(bad), bad).toBe(false);
    const part = validator(header("b2_upload_part", "X-Bz-Part-Number")["schema"] as Json, { coerce: true });
    expect(part("1")).toBe(true);
    expect(part("10000")).toBe(true);
    expect(part("0")).toBe(false);
    expect(part("10001")).toBe(false);
    for (const name of ["X-Bz-File-Name", "Content-Length", "X-Bz-Content-Sha1"]) expect(header("b2_upload_file", name)["required"], name).toBe(true);
    for (const name of ["X-Bz-Info-src_last_modified_millis", "X-Bz-Info-b2-content-disposition", "X-Bz-Server-Side-Encryption", "X-Bz-Server-Side-Encryption-Customer-Key", "X-Bz-File-Retention-Mode", "X-Bz-File-Retention-Retain-Until-Timestamp", "X-Bz-File-Legal-Hold", "X-Bz-Custom-Upload-Timestamp", "X-Bz-Test-Mode"]) {
      expect(header("b2_upload_file", name)["required"], name).toBe(false);
    }
    const binary = (deref<Json>(operation("b2_upload_file").raw["requestBody"])["content"] as Record<string, Json>)["*/*"]!["schema"];
    expect(deref<Json>(binary)).toMatchObject({ type: "string", format: "binary" });
  });
});
