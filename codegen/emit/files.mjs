// @ts-check
/** Emits the statements of each generated .ts file (imports + the structures of the other emitters). */
import { StructureKind } from "ts-morph";
import { emitClass, engineFactory, engineType } from "./classes.mjs";
import { emitOperationsFile } from "./operations.mjs";
import { BUILTIN, className, stateType, typeNames } from "./shared.mjs";

/** @typedef {import("ts-morph").StatementStructures} StatementStructures */
/** @typedef {import("ts-morph").ImportDeclarationStructure} ImportDeclarationStructure */
/** @typedef {import("../table-types.js").Row} Row */
/** @typedef {import("../table-types.js").HandleSpec} HandleSpec */
/** @typedef {import("./shared.mjs").Flavor} Flavor */

/** @returns {ImportDeclarationStructure} type-only imports of the model and settings names the rows use, sorted */
export function modelImport(/** @type {Row[]} */ rows) {
  /** @type {Set<string>} */
  const names = new Set();
  for (const row of rows) for (const n of typeNames(row)) if (!BUILTIN.has(n)) names.add(n);
  return { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: "../src/models.js", namedImports: [...names].sort() };
}

/** @returns {ImportDeclarationStructure} type-only imports of every handle's state type */
export function statesImport(/** @type {HandleSpec[]} */ handles) {
  return { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: "../src/core/handles.js", namedImports: handles.map((h) => stateType(h.class)) };
}

/** @returns {StatementStructures[]} generated/operations.ts */
export function operationsFile(/** @type {Row[]} */ rows, /** @type {HandleSpec[]} */ handles) {
  return [statesImport(handles), modelImport(rows), ...emitOperationsFile(rows)];
}

/** @returns {StatementStructures[]} generated/awaiting.ts or generated/blocking.ts */
export function hierarchyFile(/** @type {Row[]} */ rows, /** @type {HandleSpec[]} */ handles, /** @type {Flavor} */ flavor) {
  const engineModule = flavor === "Awaiting" ? "../src/core/engine.js" : "../src/blocking/engine.js";
  return [
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: "../src/core/engine-types.js", namedImports: [engineType(flavor)] },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: engineModule, namedImports: [engineFactory(flavor)] },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: "../src/options.js", namedImports: ["ClientOptions"] },
    statesImport(handles),
    modelImport(rows),
    ...handles.map((h) => emitClass(h, rows, flavor)),
  ];
}

/** @returns {StatementStructures[]} generated/index.ts: both hierarchies and the operation table */
export function indexFile(/** @type {HandleSpec[]} */ handles) {
  const names = (/** @type {Flavor} */ flavor) => handles.map((h) => className(flavor, h.class));
  return [
    { kind: StructureKind.ExportDeclaration, moduleSpecifier: "./awaiting.js", namedExports: names("Awaiting") },
    { kind: StructureKind.ExportDeclaration, moduleSpecifier: "./blocking.js", namedExports: names("Blocking") },
    { kind: StructureKind.ExportDeclaration, moduleSpecifier: "./operations.js", namedExports: ["operationTable"] },
    { kind: StructureKind.ExportDeclaration, isTypeOnly: true, moduleSpecifier: "./operations.js", namedExports: ["Operations", "OperationName"] },
  ];
}
