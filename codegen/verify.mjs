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
    else if (!row.example.includes(`.${row.name}(`)) problems.push(`${key}: the example does not call ${row.name}`);
    problems.push(...paramProblems(key, row), ...shapeProblems(key, row));
  }
  return problems;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Parameters become TypeScript parameters in both hierarchies: they must be valid there. */
function paramProblems(/** @type {string} */ key, /** @type {Row} */ row) {
  const problems = [];
  const names = new Set();
  let skippable = "";
  for (const p of row.params) {
    if (!IDENTIFIER.test(p.name)) problems.push(`${key}: parameter ${p.name} is no identifier`);
    if (names.has(p.name)) problems.push(`${key}: parameter ${p.name} appears twice`);
    names.add(p.name);
    if (p.optional && p.default !== undefined) problems.push(`${key}: parameter ${p.name} is both optional and defaulted`);
    if (p.optional || p.default !== undefined) skippable ||= p.name;
    else if (skippable) problems.push(`${key}: required parameter ${p.name} follows optional ${skippable}`);
  }
  return problems;
}

/** Which fields each kind needs or must not have (what the engine and the emitters rely on). */
function shapeProblems(/** @type {string} */ key, /** @type {Row} */ row) {
  const problems = [];
  const local = row.kind === "handle" || row.kind === "lifecycle";
  if (local && row.b2.length) problems.push(`${key}: ${row.kind} rows make no B2 call`);
  if (!local && !row.b2.length) problems.push(`${key}: ${row.kind} rows name the B2 operations they use`);
  if (row.request && row.kind !== "call" && row.kind !== "paginated") problems.push(`${key}: request is only read for call and paginated rows`);
  if (row.page && row.kind !== "paginated") problems.push(`${key}: page is only read for paginated rows`);
  if (row.kind === "lifecycle" && !("void" in row.returns)) problems.push(`${key}: lifecycle rows return void`);
  const r = row.returns;
  if (row.page && "items" in r && !("value" in r.items)) {
    // Each response field that feeds the next page is also what the item tuple reports, and vice versa.
    const cursor = Object.values(row.page.cursor ?? {}).sort().join(", ");
    const next = (r.items.next ?? []).map((n) => n.name).sort().join(", ");
    if (cursor !== next) problems.push(`${key}: page.cursor reads [${cursor}] but items report next [${next}]`);
  }
  return problems;
}
