// @ts-check
/** Helpers shared by the emitters: names, types and docs derived from a table row. */

/** @typedef {import("../table-types.js").Row} Row */
/** @typedef {import("../table-types.js").ClassName} ClassName */
/** @typedef {"Awaiting" | "Blocking"} Flavor */

/** Class name of a handle in a flavor: Client → Awaiting, Bucket → AwaitingBucket. */
export function className(/** @type {Flavor} */ flavor, /** @type {ClassName} */ cls) {
  return cls === "Client" ? flavor : `${flavor}${cls}`;
}

/** `${class}.${name}`, the operation key used by the engine. */
export const opKey = (/** @type {Row} */ row) => `${row.class}.${row.name}`;

/** The state type of a handle class. */
export const stateType = (/** @type {ClassName} */ cls) => `${cls}State`;

/** Every type name a row mentions (for imports), split on non-identifier characters. */
export function typeNames(/** @type {Row} */ row) {
  /** @type {Set<string>} */
  const names = new Set();
  const add = (/** @type {string} */ t) => {
    for (const word of t.split(/[^A-Za-z0-9_]+/)) if (/^[A-Z]/.test(word)) names.add(word);
  };
  for (const p of row.params) add(p.type);
  const r = row.returns;
  if ("value" in r) add(r.value);
  if ("pair" in r) add(r.pair[0]);
  if ("items" in r) {
    if ("value" in r.items) add(r.items.value);
    else {
      add(r.items.model);
      for (const n of r.items.next ?? []) add(n.type);
    }
  }
  return names;
}

/** Built-in type names that need no import. */
export const BUILTIN = new Set(["Uint8Array", "Promise", "AsyncGenerator", "Generator", "Record", "AsyncIterable", "Iterable", "ReadableStream"]);

/** The JSDoc of a method: the row's doc, its B2 calls, and an example for the flavor. */
export function methodDoc(/** @type {Row} */ row, /** @type {Flavor} */ flavor) {
  const example =
    flavor === "Awaiting" ? row.example : (row.blockingExample ?? row.example.replace(/for await \(/g, "for (").replace(/\bawait /g, ""));
  const calls = row.b2.length ? `\n\nB2 calls: ${row.b2.map((b) => `\`${b}\``).join(", ")}.` : "";
  return { description: `${row.doc}${calls}`, tags: [{ tagName: "example", text: `\n\`\`\`ts\n${example}\n\`\`\`` }] };
}
