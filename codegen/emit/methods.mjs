// @ts-check
/** Emits one method of a handle class, for one flavor, as a ts-morph structure. */
import { StructureKind } from "ts-morph";
import { className, methodDoc, opKey } from "./shared.mjs";

/** @typedef {import("ts-morph").MethodDeclarationStructure} MethodDeclarationStructure */
/** @typedef {import("../table-types.js").Row} Row */
/** @typedef {import("./shared.mjs").Flavor} Flavor */

/** The tuple or value type one item of an iterator row yields. */
export function itemType(/** @type {Row} */ row, /** @type {Flavor} */ flavor) {
  const r = row.returns;
  if (!("items" in r)) throw new Error(`${opKey(row)} is not an iterator row`);
  if ("value" in r.items) return r.items.value;
  const parts = [r.items.model];
  if (r.items.handle) parts.push(className(flavor, r.items.handle));
  for (const n of r.items.next ?? []) parts.push(n.type);
  return `[${parts.join(", ")}]`;
}

/** The expression that turns an engine item into what the iterator yields. */
function itemExpression(/** @type {Row} */ row, /** @type {Flavor} */ flavor) {
  const r = row.returns;
  if (!("items" in r) || "value" in r.items) return "item";
  const parts = ["item.model"];
  if (r.items.handle) parts.push(`new ${className(flavor, r.items.handle)}(this.#core, item.handle)`);
  if (r.items.next?.length) parts.push("...item.next");
  return `[${parts.join(", ")}]`;
}

/** Return type (without Promise) and the statements of a single-result method. */
function singleResult(/** @type {Row} */ row, /** @type {Flavor} */ flavor, /** @type {string} */ call) {
  const r = row.returns;
  const wait = flavor === "Awaiting" ? "await " : "";
  if ("void" in r) return { type: "void", body: [`${wait}${call};`] };
  if ("value" in r) return { type: r.value, body: [`return ${call};`] };
  if ("pair" in r) {
    const handle = className(flavor, r.pair[1]);
    return { type: `[${r.pair[0]}, ${handle}]`, body: [`const result = ${wait}${call};`, `return [result.model, new ${handle}(this.#core, result.handle)];`] };
  }
  throw new Error(`${opKey(row)}: no single result`);
}

/** @returns {MethodDeclarationStructure} */
export function emitMethod(/** @type {Row} */ row, /** @type {Flavor} */ flavor) {
  const parameters = row.params.map((p) => ({
    kind: /** @type {const} */ (StructureKind.Parameter),
    name: p.name,
    type: p.type,
    ...(p.optional ? { hasQuestionToken: true } : {}),
    ...(p.default !== undefined ? { initializer: p.default } : {}),
  }));
  const args = `[${row.params.map((p) => p.name).join(", ")}]`;
  const docs = [methodDoc(row, flavor)];
  const base = { kind: /** @type {const} */ (StructureKind.Method), name: row.name, parameters, docs };
  const r = row.returns;

  if (row.kind === "handle") {
    if (!("handle" in r)) throw new Error(`${opKey(row)}: a handle row must return a handle`);
    const handle = className(flavor, r.handle);
    return { ...base, returnType: handle, statements: [`return new ${handle}(this.#core, this.#core.handle("${opKey(row)}", this.#state, ${args}));`] };
  }
  if (row.kind === "lifecycle") {
    return flavor === "Awaiting"
      ? { ...base, isAsync: true, returnType: "Promise<void>", statements: ["await this.#core.close();"] }
      : { ...base, returnType: "void", statements: ["this.#core.close();"] };
  }
  if ("items" in r) {
    const type = itemType(row, flavor);
    const loop = flavor === "Awaiting" ? "for await" : "for";
    return {
      ...base,
      isAsync: flavor === "Awaiting",
      isGenerator: true,
      returnType: flavor === "Awaiting" ? `AsyncGenerator<${type}, void, undefined>` : `Generator<${type}, void, undefined>`,
      statements: [`${loop} (const item of this.#core.iterate("${opKey(row)}", this.#state, ${args})) {`, `  yield ${itemExpression(row, flavor)};`, "}"],
    };
  }
  const { type, body } = singleResult(row, flavor, `this.#core.run("${opKey(row)}", this.#state, ${args})`);
  return flavor === "Awaiting"
    ? { ...base, isAsync: true, returnType: `Promise<${type}>`, statements: body }
    : { ...base, returnType: type, statements: body };
}
