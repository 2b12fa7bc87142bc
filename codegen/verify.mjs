// @ts-check
/** Invariants of the operation table, checked before generating; every problem is listed. */

/** @typedef {import("./table-types.js").Row} Row */
/** @typedef {import("./table-types.js").HandleSpec} HandleSpec */

const SOURCE_ROOTS = new Set(["state", "auth", "model", "item"]);

/** @returns {string[]} the problems found (empty when the table is sound) */
export function verifyTable(/** @type {Row[]} */ rows, /** @type {HandleSpec[]} */ handles) {
  const problems = [];
  const classes = new Map(handles.map((h) => [h.class, new Set(h.fields.map((f) => f.name))]));
  const seen = new Set();
  for (const row of rows) {
    const key = `${row.class}.${row.name}`;
    if (seen.has(key)) problems.push(`${key}: duplicate row`);
    seen.add(key);
    if (!classes.has(row.class)) problems.push(`${key}: class ${row.class} is not in handles`);
    const r = row.returns;
    const returned = "pair" in r ? r.pair[1] : "handle" in r ? r.handle : "items" in r && "handle" in r.items ? r.items.handle : undefined;
    if (returned && !classes.has(returned)) problems.push(`${key}: returns unknown handle ${returned}`);
    if ((row.kind === "custom" || row.kind === "stream") && !row.impl) problems.push(`${key}: ${row.kind} rows need an impl`);
    if (row.kind === "paginated" && !row.page) problems.push(`${key}: paginated rows need a page mapping`);
    if ((row.kind === "paginated" || row.kind === "stream") !== "items" in r) problems.push(`${key}: only paginated and stream rows return items`);
    if (row.kind === "handle" && !("handle" in r)) problems.push(`${key}: handle rows return a handle`);
    if (returned && row.kind !== "custom" && row.kind !== "stream" && !row.handleState) problems.push(`${key}: returns a ${returned} handle but has no handleState`);
    if (row.kind === "call" && row.b2.length !== 1) problems.push(`${key}: call rows make exactly one B2 call`);
    const params = new Set(row.params.map((p) => p.name));
    const fields = classes.get(row.class) ?? new Set();
    const checkSource = (/** @type {string} */ where, /** @type {string} */ path) => {
      const [head = "", field] = path.split(".");
      if (head === "state" && field && !fields.has(field)) problems.push(`${key}: ${where} uses state.${field}, not a field of ${row.class}`);
      if (!SOURCE_ROOTS.has(head) && !params.has(head)) problems.push(`${key}: ${where} uses ${path}, which is no parameter`);
    };
    for (const [field, source] of Object.entries(row.request ?? {})) checkSource(`request.${field}`, typeof source === "string" ? source : source.from);
    for (const [field, source] of Object.entries(row.handleState ?? {})) {
      checkSource(`handleState.${field}`, source);
      if (returned && !classes.get(returned)?.has(field)) problems.push(`${key}: handleState.${field} is not a field of ${returned}`);
    }
    if (!row.doc || !row.example) problems.push(`${key}: doc and example are required`);
  }
  return problems;
}
