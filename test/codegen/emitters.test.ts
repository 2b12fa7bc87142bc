/** Generator: each emitter, given a table row, returns the structure we want (given → want). */
import { describe, expect, it } from "vitest";
import { emitMethod, itemType } from "../../codegen/emit/methods.mjs";
import { argsType, emitOperationType, engineResult, runtimeRow } from "../../codegen/emit/operations.mjs";
import { className, methodDoc } from "../../codegen/emit/shared.mjs";
import type { Row } from "../../codegen/table-types.js";

const base = { doc: "Does it.", example: "const x = await b2.thing();\nfor await (const y of z) f(y);" } as const;
const rows: Record<string, Row> = {
  value: { ...base, class: "File", name: "get", kind: "call", b2: ["b2_get_file_info"], params: [], returns: { value: "FileModel" }, request: { fileId: "state.fileId" } },
  pair: {
    ...base,
    class: "Bucket",
    name: "hide",
    kind: "call",
    b2: ["b2_hide_file"],
    params: [{ name: "fileName", type: "string" }],
    returns: { pair: ["FileModel", "File"] },
    request: { bucketId: "state.bucketId", fileName: "fileName" },
    handleState: { fileId: "model.fileId" },
  },
  handle: { ...base, class: "Client", name: "bucket", kind: "handle", b2: [], params: [{ name: "bucketId", type: "string" }], returns: { handle: "Bucket" }, handleState: { bucketId: "bucketId" } },
  items: {
    ...base,
    class: "Client",
    name: "keys",
    kind: "paginated",
    b2: ["b2_list_keys"],
    params: [
      { name: "limit", type: "number", default: "100" },
      { name: "startKeyId", type: "string", optional: true },
    ],
    returns: { items: { model: "KeyModel", handle: "Key", next: [{ name: "nextApplicationKeyId", type: "string | null" }] } },
    page: { items: "keys", cursor: { startApplicationKeyId: "nextApplicationKeyId" } },
    handleState: { keyId: "model.applicationKeyId" },
  },
  stream: { ...base, class: "File", name: "downloadIterate", kind: "stream", impl: "downloadIterate", b2: ["b2_download_file_by_id"], params: [], returns: { items: { value: "Uint8Array" } } },
  void: { ...base, class: "File", name: "save", kind: "custom", impl: "save", b2: ["b2_download_file_by_id"], params: [{ name: "pathway", type: "string" }], returns: { void: true } },
  close: { ...base, class: "Client", name: "close", kind: "lifecycle", b2: [], params: [], returns: { void: true } },
};
const r = (name: keyof typeof rows): Row => rows[name] as Row;

describe("names and docs", () => {
  it("names classes per flavor", () => {
    expect(className("Awaiting", "Client")).toBe("Awaiting");
    expect(className("Blocking", "Parts")).toBe("BlockingParts");
  });
  it("turns the example synchronous for Blocking and lists the B2 calls", () => {
    const doc = methodDoc(r("value"), "Blocking");
    expect(doc.description).toBe("Does it.\n\nB2 calls: `b2_get_file_info`.");
    expect(doc.tags[0]?.text).toContain("const x = b2.thing();\nfor (const y of z) f(y);");
    expect(methodDoc(r("value"), "Awaiting").tags[0]?.text).toContain("for await (");
  });
});

describe("emitMethod", () => {
  const cases: [string, keyof typeof rows, "Awaiting" | "Blocking", Record<string, unknown>][] = [
    ["a value", "value", "Awaiting", { isAsync: true, returnType: "Promise<FileModel>", statements: ['return this.#core.run("File.get", this.#state, []);'] }],
    ["a value", "value", "Blocking", { returnType: "FileModel", statements: ['return this.#core.run("File.get", this.#state, []);'] }],
    [
      "a [model, handle] pair",
      "pair",
      "Awaiting",
      {
        returnType: "Promise<[FileModel, AwaitingFile]>",
        statements: ['const result = await this.#core.run("Bucket.hide", this.#state, [fileName]);', "return [result.model, new AwaitingFile(this.#core, result.handle)];"],
      },
    ],
    [
      "a [model, handle] pair",
      "pair",
      "Blocking",
      {
        returnType: "[FileModel, BlockingFile]",
        statements: ['const result = this.#core.run("Bucket.hide", this.#state, [fileName]);', "return [result.model, new BlockingFile(this.#core, result.handle)];"],
      },
    ],
    ["a handle (no I/O)", "handle", "Blocking", { returnType: "BlockingBucket", statements: ['return new BlockingBucket(this.#core, this.#core.handle("Client.bucket", this.#state, [bucketId]));'] }],
    [
      "an iterator of tuples",
      "items",
      "Awaiting",
      {
        isAsync: true,
        isGenerator: true,
        returnType: "AsyncGenerator<[KeyModel, AwaitingKey, string | null], void, undefined>",
        statements: ['for await (const item of this.#core.iterate("Client.keys", this.#state, [limit, startKeyId])) {', "  yield [item.model, new AwaitingKey(this.#core, item.handle), ...item.next];", "}"],
      },
    ],
    [
      "a sync iterator of chunks",
      "stream",
      "Blocking",
      { isGenerator: true, returnType: "Generator<Uint8Array, void, undefined>", statements: ['for (const item of this.#core.iterate("File.downloadIterate", this.#state, [])) {', "  yield item;", "}"] },
    ],
    ["a void call", "void", "Awaiting", { returnType: "Promise<void>", statements: ['await this.#core.run("File.save", this.#state, [pathway]);'] }],
    ["close", "close", "Awaiting", { isAsync: true, returnType: "Promise<void>", statements: ["await this.#core.close();"] }],
    ["close", "close", "Blocking", { returnType: "void", statements: ["this.#core.close();"] }],
  ];
  it.each(cases)("emits %s for %s (%s)", (_, name, flavor, want) => {
    expect(emitMethod(r(name), flavor)).toMatchObject(want);
  });
  it("keeps parameters, optionality and defaults", () => {
    expect(emitMethod(r("items"), "Blocking").parameters).toEqual([
      expect.objectContaining({ name: "limit", type: "number", initializer: "100" }),
      expect.objectContaining({ name: "startKeyId", type: "string", hasQuestionToken: true }),
    ]);
  });
  it("types iterator items as tuples or bare values", () => {
    expect(itemType(r("items"), "Blocking")).toBe("[KeyModel, BlockingKey, string | null]");
    expect(itemType(r("stream"), "Awaiting")).toBe("Uint8Array");
  });
});

describe("operation types and runtime rows", () => {
  it("applies defaults in args and marks optionals undefined", () => expect(argsType(r("items"))).toBe("[limit: number, startKeyId: string | undefined]"));
  it("describes engine results", () => {
    expect(engineResult(r("pair"))).toEqual({ key: "result", type: "{ model: FileModel; handle: FileState }" });
    expect(engineResult(r("items"))).toEqual({ key: "item", type: "{ model: KeyModel; handle: KeyState; next: [nextApplicationKeyId: string | null] }" });
    expect(engineResult(r("handle"))).toEqual({ key: "result", type: "BucketState" });
  });
  it("emits one interface member per row", () => {
    expect(emitOperationType(r("value"))).toMatchObject({ name: '"File.get"', type: '{ kind: "call"; state: FileState; args: []; result: FileModel }' });
  });
  it("keeps only what the engine needs at run time, and names the returned handle", () => {
    expect(runtimeRow(r("pair"))).toEqual({
      class: "Bucket",
      name: "hide",
      kind: "call",
      b2: ["b2_hide_file"],
      params: ["fileName"],
      request: { bucketId: "state.bucketId", fileName: "fileName" },
      handleState: { fileId: "model.fileId" },
      handle: "File",
    });
  });
});
