// @ts-check
/** Emits a handle class (or the client) of one flavor from its rows, as a ts-morph structure. */
import { Scope, StructureKind } from "ts-morph";
import { emitMethod } from "./methods.mjs";
import { className, stateType } from "./shared.mjs";

/** @typedef {import("ts-morph").ClassDeclarationStructure} ClassDeclarationStructure */
/** @typedef {import("../table-types.js").Row} Row */
/** @typedef {import("../table-types.js").HandleSpec} HandleSpec */
/** @typedef {import("./shared.mjs").Flavor} Flavor */

export const engineType = (/** @type {Flavor} */ flavor) => (flavor === "Awaiting" ? "AsyncEngine" : "SyncEngine");
export const engineFactory = (/** @type {Flavor} */ flavor) => (flavor === "Awaiting" ? "createAsyncEngine" : "createBlockingEngine");

/** @returns {ClassDeclarationStructure} */
export function emitClass(/** @type {HandleSpec} */ spec, /** @type {Row[]} */ rows, /** @type {Flavor} */ flavor) {
  const name = className(flavor, spec.class);
  const state = stateType(spec.class);
  const isClient = spec.class === "Client";
  const flavorNote =
    flavor === "Awaiting" ? "Methods return Promises; listings are async iterators." : "Methods return plain values and block the calling thread; listings are sync iterators. The work runs in a worker thread.";
  return {
    kind: StructureKind.Class,
    name,
    isExported: true,
    docs: [`${spec.doc}\n\n${flavorNote}`],
    properties: [
      { kind: StructureKind.Property, name: "#core", type: engineType(flavor), isReadonly: true },
      { kind: StructureKind.Property, name: "#state", type: state, isReadonly: true, ...(isClient ? { initializer: '{ kind: "Client" }' } : {}) },
    ],
    ctors: [
      isClient
        ? {
            kind: StructureKind.Constructor,
            docs: [`Creates a client for an application key (no request until the first call).`],
            parameters: [
              { kind: StructureKind.Parameter, name: "keyId", type: "string" },
              { kind: StructureKind.Parameter, name: "key", type: "string" },
              { kind: StructureKind.Parameter, name: "options", type: "ClientOptions", initializer: "{}" },
            ],
            statements: [`this.#core = ${engineFactory(flavor)}(keyId, key, options);`],
          }
        : {
            kind: StructureKind.Constructor,
            docs: [{ description: "Handles come from the client's methods; this constructor is not public API.", tags: [{ tagName: "internal" }] }],
            parameters: [
              { kind: StructureKind.Parameter, name: "core", type: engineType(flavor) },
              { kind: StructureKind.Parameter, name: "state", type: state },
            ],
            statements: ["this.#core = core;", "this.#state = state;"],
          },
    ],
    getAccessors: spec.fields.filter((f) => !f.hidden).map((f) => ({
      kind: StructureKind.GetAccessor,
      name: f.name,
      scope: Scope.Public,
      returnType: f.optional ? `${f.type} | undefined` : f.type,
      docs: [f.doc],
      statements: [`return this.#state.${f.name};`],
    })),
    methods: rows.filter((r) => r.class === spec.class).map((r) => emitMethod(r, flavor)),
  };
}
