/** Generator invariants: a broken table or a table that disagrees with the spec lists every problem. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { analyse } from "../../codegen/analyse.mjs";
import { handles } from "../../codegen/operations.mjs";
import { schemaProperties, specOperations, verifyAgainstSpec } from "../../codegen/verify-spec.mjs";
import { verifyTable } from "../../codegen/verify.mjs";
import type { Row } from "../../codegen/table-types.js";

const row = (over: Partial<Row>): Row => ({
  class: "Bucket",
  name: "thing",
  kind: "call",
  b2: ["b2_op"],
  params: [],
  returns: { value: "FileModel" },
  doc: "d",
  example: "bucket.thing()",
  ...over,
});

describe("table invariants", () => {
  const cases: [string, Row, string][] = [
    ["an example calling another method", row({ example: "bucket.other()" }), "Bucket.thing: the example does not call thing"],
    [
      "a required parameter after an optional one",
      row({ params: [{ name: "a", type: "string", optional: true }, { name: "b", type: "string" }] }),
      "Bucket.thing: required parameter b follows optional a",
    ],
    [
      "a required parameter after a defaulted one",
      row({ params: [{ name: "a", type: "number", default: "1" }, { name: "b", type: "string" }] }),
      "Bucket.thing: required parameter b follows optional a",
    ],
    ["an optional and defaulted parameter", row({ params: [{ name: "a", type: "number", default: "1", optional: true }] }), "Bucket.thing: parameter a is both optional and defaulted"],
    ["a parameter twice", row({ params: [{ name: "a", type: "string" }, { name: "a", type: "string" }] }), "Bucket.thing: parameter a appears twice"],
    ["a parameter that is no identifier", row({ params: [{ name: "a-b", type: "string" }] }), "Bucket.thing: parameter a-b is no identifier"],
    ["a handle row making B2 calls", row({ kind: "handle", returns: { handle: "File" }, handleState: { fileId: "state.bucketId" } }), "Bucket.thing: handle rows make no B2 call"],
    ["a call row without B2 calls", row({ b2: [] }), "Bucket.thing: call rows name the B2 operations they use"],
    ["a custom row with a request", row({ kind: "custom", impl: "x", request: { bucketId: "state.bucketId" } }), "Bucket.thing: request is only read for call and paginated rows"],
    ["a lifecycle row returning a value", row({ kind: "lifecycle", b2: [] }), "Bucket.thing: lifecycle rows return void"],
    [
      "a page cursor the items do not report",
      row({
        kind: "paginated",
        returns: { items: { model: "FileModel", next: [{ name: "nextFileName", type: "string | null" }] } },
        page: { items: "files", cursor: { startFileName: "nextFileName", startFileId: "nextFileId" } },
      }),
      "Bucket.thing: page.cursor reads [nextFileId, nextFileName] but items report next [nextFileName]",
    ],
    ["a handle field that is not a field of the returned handle", row({ returns: { pair: ["FileModel", "File"] }, handleState: { nope: "model.fileId" } }), "Bucket.thing: handleState.nope is not a field of File"],
    ["a duplicate row", row({}), "Bucket.thing: duplicate row"],
  ];
  it.each(cases)("reports %s", (_, broken, problem) => {
    const rows = problem.endsWith("duplicate row") ? [broken, broken] : [broken];
    expect(verifyTable(rows, handles)).toContain(problem);
  });
  it("reports nothing for a sound row", () => expect(verifyTable([row({})], handles)).toEqual([]));
});

/** A tiny spec in the shape of spec/b2.yaml: a JSON op, a GET op with a query parameter, refs and allOf. */
const spec = {
  paths: {
    "/b2api/v4/b2_list_things": {
      post: {
        operationId: "b2_list_things",
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/ListThingsRequest" } } } },
        responses: { "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/ListThingsResponse" } } } } },
      },
    },
    "/b2api/v4/b2_get_rules": {
      get: {
        operationId: "b2_get_rules",
        parameters: [{ name: "bucketId", in: "query" }, { $ref: "#/components/parameters/Auth" }],
        responses: { "200": { content: { "application/json": { schema: { type: "object", properties: { rules: {} } } } } } },
      },
    },
  },
  components: {
    parameters: { Auth: { name: "Authorization", in: "header" } },
    schemas: {
      ListThingsRequest: { type: "object", properties: { bucketId: {}, startName: {} } },
      ListThingsResponse: { type: "object", properties: { things: { type: "array", items: { $ref: "#/components/schemas/Thing" } }, nextName: {} } },
      Thing: { allOf: [{ $ref: "#/components/schemas/Base" }, { properties: { thingName: {} } }] },
      Base: { type: "object", properties: { thingId: {} } },
    },
  },
};

describe("table against the spec", () => {
  it("reads request fields from the JSON body or the query, not headers", () => {
    const ops = specOperations(spec);
    expect([...(ops.get("b2_list_things")?.request ?? [])]).toEqual(["bucketId", "startName"]);
    expect([...(ops.get("b2_get_rules")?.request ?? [])]).toEqual(["bucketId"]);
  });
  it("follows $ref and allOf for properties", () => {
    expect([...schemaProperties(spec, { $ref: "#/components/schemas/Thing" })].sort()).toEqual(["thingId", "thingName"]);
  });
  it("accepts a row that maps only fields the spec defines", () => {
    const good = row({
      kind: "paginated",
      b2: ["b2_list_things"],
      returns: { items: { model: "FileModel", handle: "File", next: [{ name: "nextName", type: "string | null" }] } },
      request: { bucketId: "state.bucketId", "...": "settings" },
      page: { items: "things", cursor: { startName: "nextName" } },
      handleState: { fileId: "model.thingId" },
    });
    expect(verifyAgainstSpec([good, row({ b2: ["b2_get_rules"], request: { bucketId: "state.bucketId" } })], spec)).toEqual([]);
  });
  it("lists every field and operation the spec does not have", () => {
    const bad = row({
      kind: "paginated",
      b2: ["b2_list_things", "b2_nope"],
      returns: { items: { model: "FileModel", handle: "File" } },
      request: { bucketid: "state.bucketId" },
      page: { items: "thing", cursor: { startname: "nextname" } },
      handleState: { fileId: "model.fileId" },
    });
    expect(verifyAgainstSpec([bad], spec)).toEqual([
      "Bucket.thing: b2_nope is no operationId in the spec",
      "Bucket.thing: request.bucketid is not a request field of b2_list_things",
      "Bucket.thing: page.items thing is not a response field of b2_list_things",
      "Bucket.thing: page.cursor startname is not a request field of b2_list_things",
      "Bucket.thing: page.cursor nextname is not a response field of b2_list_things",
      "Bucket.thing: handleState.fileId reads model.fileId, not a field of b2_list_things's items",
    ]);
  });
  it("the checked-in table agrees with spec/b2.yaml", () => expect(analyse().problems).toEqual([]));
  it("node codegen/analyse.mjs reports the table sound", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["codegen/analyse.mjs"]);
    expect(stdout).toMatch(/^operation table: \d+ rows, no problems/);
  });
});
