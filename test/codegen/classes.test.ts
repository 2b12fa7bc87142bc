/** Generator: handle specs and rows → class and file structures (given → want). */
import { StructureKind, VariableDeclarationKind } from "ts-morph";
import { describe, expect, it } from "vitest";
import { emitClass } from "../../codegen/emit/classes.mjs";
import { hierarchyFile, indexFile, modelImport, statesImport } from "../../codegen/emit/files.mjs";
import { emitOperationsFile } from "../../codegen/emit/operations.mjs";
import type { HandleSpec, Row } from "../../codegen/table-types.js";

const bucket: HandleSpec = {
  class: "Bucket",
  doc: "A bucket.",
  fields: [
    { name: "bucketId", type: "string", doc: "The id." },
    { name: "bucketName", type: "string", optional: true, doc: "The name." },
  ],
};
const client: HandleSpec = { class: "Client", doc: "The client.", fields: [] };
const row = (cls: Row["class"], name: string): Row => ({
  class: cls,
  name,
  kind: "call",
  b2: ["b2_get_file_info"],
  params: [],
  returns: { value: "FileModel" },
  doc: "d",
  example: `x.${name}()`,
});
const rows = [row("Bucket", "zeta"), row("Client", "other"), row("Bucket", "alpha")];

describe("emitClass", () => {
  const cases: [string, HandleSpec, "Awaiting" | "Blocking", Record<string, unknown>][] = [
    [
      "the Awaiting client: engine from createAsyncEngine, state literal, options defaulted",
      client,
      "Awaiting",
      {
        kind: StructureKind.Class,
        name: "Awaiting",
        isExported: true,
        properties: [
          { kind: StructureKind.Property, name: "#core", type: "AsyncEngine", isReadonly: true },
          { kind: StructureKind.Property, name: "#state", type: "ClientState", isReadonly: true, initializer: '{ kind: "Client" }' },
        ],
        ctors: [
          expect.objectContaining({
            parameters: [
              expect.objectContaining({ name: "keyId", type: "string" }),
              expect.objectContaining({ name: "key", type: "string" }),
              expect.objectContaining({ name: "options", type: "ClientOptions", initializer: "{}" }),
            ],
            statements: ["this.#core = createAsyncEngine(keyId, key, options);"],
          }),
        ],
        getAccessors: [],
      },
    ],
    [
      "the Blocking client uses createBlockingEngine",
      client,
      "Blocking",
      { name: "Blocking", ctors: [expect.objectContaining({ statements: ["this.#core = createBlockingEngine(keyId, key, options);"] })] },
    ],
    [
      "a handle: internal (core, state) constructor and a getter per field",
      bucket,
      "Blocking",
      {
        name: "BlockingBucket",
        properties: [expect.objectContaining({ name: "#core", type: "SyncEngine" }), { kind: StructureKind.Property, name: "#state", type: "BucketState", isReadonly: true }],
        ctors: [
          expect.objectContaining({
            parameters: [expect.objectContaining({ name: "core", type: "SyncEngine" }), expect.objectContaining({ name: "state", type: "BucketState" })],
            statements: ["this.#core = core;", "this.#state = state;"],
            docs: [expect.objectContaining({ tags: [{ tagName: "internal" }] })],
          }),
        ],
        getAccessors: [
          expect.objectContaining({ name: "bucketId", returnType: "string", statements: ["return this.#state.bucketId;"], docs: ["The id."] }),
          expect.objectContaining({ name: "bucketName", returnType: "string | undefined", statements: ["return this.#state.bucketName;"] }),
        ],
      },
    ],
  ];
  it.each(cases)("emits %s", (_, spec, flavor, want) => {
    expect(emitClass(spec, rows, flavor)).toMatchObject(want);
  });

  it("takes only its class's rows, in table order", () => {
    expect(emitClass(bucket, rows, "Awaiting").methods?.map((m) => m.name)).toEqual(["zeta", "alpha"]);
    expect(emitClass(client, rows, "Awaiting").methods?.map((m) => m.name)).toEqual(["other"]);
  });

  it("adds the flavor's note to the class doc", () => {
    expect(emitClass(bucket, [], "Awaiting").docs).toEqual([expect.stringMatching(/^A bucket\.\n\nMethods return Promises/)]);
    expect(emitClass(bucket, [], "Blocking").docs).toEqual([expect.stringMatching(/^A bucket\.\n\n.*block the calling thread/)]);
  });
});

describe("emitOperationsFile", () => {
  const paged: Row = {
    class: "Bucket",
    name: "fileNames",
    kind: "paginated",
    b2: ["b2_list_file_names"],
    params: [{ name: "settings", type: "FileSettings", optional: true }],
    returns: { items: { model: "FileModel", handle: "File", next: [{ name: "nextFileName", type: "string | null" }] } },
    request: { bucketId: "state.bucketId" },
    page: { items: "files", cursor: { startFileName: "nextFileName" } },
    handleState: { fileId: "model.fileId" },
    doc: "d",
    example: "b.fileNames()",
  };
  const [iface, table, alias] = emitOperationsFile([row("Client", "other"), paged]);

  it("emits the Operations interface, one member per row keyed class.name", () => {
    expect(iface).toMatchObject({
      kind: StructureKind.Interface,
      name: "Operations",
      isExported: true,
      properties: [
        { name: '"Client.other"', type: '{ kind: "call"; state: ClientState; args: []; result: FileModel }' },
        {
          name: '"Bucket.fileNames"',
          type: '{ kind: "paginated"; state: BucketState; args: [settings: FileSettings | undefined]; item: { model: FileModel; handle: FileState; next: [nextFileName: string | null] } }',
        },
      ],
    });
  });

  it("emits operationTable as const runtime data without docs or examples", () => {
    expect(table).toMatchObject({ kind: StructureKind.VariableStatement, isExported: true, declarationKind: VariableDeclarationKind.Const });
    const initializer = (table as { declarations: { name: string; initializer: string }[] }).declarations[0]?.initializer ?? "";
    expect(initializer.endsWith(" as const")).toBe(true);
    const data = JSON.parse(initializer.replace(/ as const$/, ""));
    expect(Object.keys(data)).toEqual(["Client.other", "Bucket.fileNames"]);
    expect(data["Bucket.fileNames"]).toEqual({
      class: "Bucket",
      name: "fileNames",
      kind: "paginated",
      b2: ["b2_list_file_names"],
      params: ["settings"],
      request: { bucketId: "state.bucketId" },
      page: { items: "files", cursor: { startFileName: "nextFileName" } },
      handleState: { fileId: "model.fileId" },
      handle: "File",
    });
    expect(initializer).not.toContain("example");
  });

  it("emits OperationName as the interface's keys", () => {
    expect(alias).toMatchObject({ kind: StructureKind.TypeAlias, name: "OperationName", isExported: true, type: "keyof Operations" });
  });
});

describe("file emitters", () => {
  const typed: Row[] = [
    { ...row("Bucket", "a"), params: [{ name: "s", type: "UploadSettings" }, { name: "d", type: "Uint8Array" }], returns: { pair: ["FileModel", "File"] } },
    { ...row("Bucket", "b"), params: [{ name: "m", type: "Record<string, LegalHoldValue>" }], returns: { items: { model: "PartModel", next: [{ name: "n", type: "number | null" }] } } },
  ];
  it("imports each model/settings name once, sorted, without built-ins", () => {
    expect(modelImport(typed)).toEqual({
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: "../src/models.js",
      namedImports: ["FileModel", "LegalHoldValue", "PartModel", "UploadSettings"],
    });
  });
  it("imports every handle's state type", () => {
    expect(statesImport([client, bucket])).toMatchObject({ isTypeOnly: true, moduleSpecifier: "../src/core/handles.js", namedImports: ["ClientState", "BucketState"] });
  });
  it.each([
    ["Awaiting", "AsyncEngine", "../src/core/engine.js", "createAsyncEngine"],
    ["Blocking", "SyncEngine", "../src/blocking/engine.js", "createBlockingEngine"],
  ] as const)("a %s file imports its engine, options, states and models, then one class per handle", (flavor, type, module, factory) => {
    const statements = hierarchyFile(typed, [client, bucket], flavor);
    expect(statements.slice(0, 3)).toMatchObject([
      { isTypeOnly: true, moduleSpecifier: "../src/core/engine-types.js", namedImports: [type] },
      { moduleSpecifier: module, namedImports: [factory] },
      { isTypeOnly: true, moduleSpecifier: "../src/options.js", namedImports: ["ClientOptions"] },
    ]);
    expect(statements.slice(5).map((s) => [s.kind, (s as { name?: string }).name])).toEqual([
      [StructureKind.Class, flavor],
      [StructureKind.Class, `${flavor}Bucket`],
    ]);
  });
  it("the index re-exports both hierarchies and the table", () => {
    expect(indexFile([client, bucket])).toMatchObject([
      { moduleSpecifier: "./awaiting.js", namedExports: ["Awaiting", "AwaitingBucket"] },
      { moduleSpecifier: "./blocking.js", namedExports: ["Blocking", "BlockingBucket"] },
      { moduleSpecifier: "./operations.js", namedExports: ["operationTable"] },
      { isTypeOnly: true, moduleSpecifier: "./operations.js", namedExports: ["Operations", "OperationName"] },
    ]);
  });
});
