// @ts-check
/** Emits generated/operations.ts: the `Operations` type map and the `operationTable` runtime data. */
import { StructureKind, VariableDeclarationKind } from "ts-morph";
import { opKey, stateType } from "./shared.mjs";

/** @typedef {import("../table-types.js").Row} Row */
/** @typedef {import("ts-morph").PropertySignatureStructure} PropertySignatureStructure */

/** The handle class a row returns (pair, handle or iterator items), if any. */
export function returnedHandle(/** @type {Row} */ row) {
  const r = row.returns;
  if ("pair" in r) return r.pair[1];
  if ("handle" in r) return r.handle;
  if ("items" in r && "handle" in r.items) return r.items.handle;
  return undefined;
}

/** The engine-side argument tuple: defaults applied by the class, optionals may be undefined. */
export function argsType(/** @type {Row} */ row) {
  return `[${row.params.map((p) => `${p.name}: ${p.type}${p.optional ? " | undefined" : ""}`).join(", ")}]`;
}

/** What the engine returns for a row (`result`) or yields (`item`). */
export function engineResult(/** @type {Row} */ row) {
  const r = row.returns;
  if ("void" in r) return { key: "result", type: "void" };
  if ("value" in r) return { key: "result", type: r.value };
  if ("handle" in r) return { key: "result", type: stateType(r.handle) };
  if ("pair" in r) return { key: "result", type: `{ model: ${r.pair[0]}; handle: ${stateType(r.pair[1])} }` };
  if ("value" in r.items) return { key: "item", type: r.items.value };
  const next = `[${(r.items.next ?? []).map((n) => `${n.name}: ${n.type}`).join(", ")}]`;
  const handle = r.items.handle ? ` handle: ${stateType(r.items.handle)};` : "";
  return { key: "item", type: `{ model: ${r.items.model};${handle} next: ${next} }` };
}

/** @returns {PropertySignatureStructure} */
export function emitOperationType(/** @type {Row} */ row) {
  const { key, type } = engineResult(row);
  return {
    kind: StructureKind.PropertySignature,
    name: JSON.stringify(opKey(row)),
    type: `{ kind: ${JSON.stringify(row.kind)}; state: ${stateType(row.class)}; args: ${argsType(row)}; ${key}: ${type} }`,
  };
}

/** The runtime data of a row: what the engine needs to execute it (no docs). */
export function runtimeRow(/** @type {Row} */ row) {
  const handle = returnedHandle(row);
  return {
    class: row.class,
    name: row.name,
    kind: row.kind,
    ...(row.impl ? { impl: row.impl } : {}),
    b2: row.b2,
    params: row.params.map((p) => p.name),
    ...(row.request ? { request: row.request } : {}),
    ...(row.page ? { page: row.page } : {}),
    ...(row.handleState ? { handleState: row.handleState } : {}),
    ...(handle ? { handle } : {}),
  };
}

/** @returns {import("ts-morph").StatementStructures[]} */
export function emitOperationsFile(/** @type {Row[]} */ rows) {
  const table = Object.fromEntries(rows.map((r) => [opKey(r), runtimeRow(r)]));
  return [
    {
      kind: StructureKind.Interface,
      name: "Operations",
      isExported: true,
      docs: ["What each operation of the table runs on, takes and gives back (engine side)."],
      properties: rows.map(emitOperationType),
    },
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["The rows of the operation table as runtime data for the engine."],
      declarations: [{ name: "operationTable", initializer: `${JSON.stringify(table)} as const` }],
    },
    { kind: StructureKind.TypeAlias, name: "OperationName", isExported: true, type: "keyof Operations" },
  ];
}
