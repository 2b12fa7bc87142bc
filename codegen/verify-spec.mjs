// @ts-check
/**
 * Invariants tying the operation table to spec/b2.yaml: every B2 operation a row names exists, and
 * the rows the engine executes generically (call, paginated) only map fields the spec defines, so a
 * renamed or misspelt field fails generation instead of a request at run time.
 */

/** @typedef {import("./table-types.js").Row} Row */
/** @typedef {Record<string, any>} Node */

/** The schema a `$ref` points at (local refs only, as in spec/b2.yaml). */
function deref(/** @type {Node} */ spec, /** @type {Node | undefined} */ node) {
  let current = node;
  for (let depth = 0; current && typeof current.$ref === "string" && depth < 20; depth++) {
    /** @type {Node | undefined} */
    let target = spec;
    for (const part of current.$ref.replace(/^#\//, "").split("/")) target = target?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    current = target;
  }
  return current;
}

/** Property names of an object schema, through $ref, allOf and (the union of) oneOf/anyOf. */
export function schemaProperties(/** @type {Node} */ spec, /** @type {Node | undefined} */ schema) {
  /** @type {Set<string>} */
  const names = new Set();
  const visit = (/** @type {Node | undefined} */ node, /** @type {number} */ depth) => {
    const s = deref(spec, node);
    if (!s || depth > 20) return;
    for (const name of Object.keys(s.properties ?? {})) names.add(name);
    for (const part of [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])]) visit(part, depth + 1);
  };
  visit(schema, 0);
  return names;
}

/** The spec's operations by operationId: their request fields (JSON body or query) and 200 response schema. */
export function specOperations(/** @type {Node} */ spec) {
  /** @type {Map<string, { request: Set<string>; response: Node | undefined }>} */
  const ops = new Map();
  for (const item of Object.values(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) {
      if (!["get", "post", "head", "put", "delete", "patch"].includes(method) || !op?.operationId) continue;
      const body = deref(spec, op.requestBody)?.content?.["application/json"]?.schema;
      const request = schemaProperties(spec, body);
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const param = deref(spec, p);
        if (param?.in === "query") request.add(param.name);
      }
      const response = deref(spec, op.responses?.["200"])?.content?.["application/json"]?.schema;
      ops.set(op.operationId, { request, response });
    }
  }
  return ops;
}

/** @returns {string[]} the problems found between the table and the spec (empty when they agree) */
export function verifyAgainstSpec(/** @type {Row[]} */ rows, /** @type {Node} */ spec) {
  const ops = specOperations(spec);
  const problems = [];
  for (const row of rows) {
    const key = `${row.class}.${row.name}`;
    for (const name of row.b2) if (!ops.has(name)) problems.push(`${key}: ${name} is no operationId in the spec`);
    if (row.kind !== "call" && row.kind !== "paginated") continue;
    const op = ops.get(row.b2[0] ?? "");
    if (!op) continue;
    const fields = Object.keys(row.request ?? {}).filter((f) => f !== "...");
    for (const field of fields) if (!op.request.has(field)) problems.push(`${key}: request.${field} is not a request field of ${row.b2[0]}`);
    const response = schemaProperties(spec, op.response);
    if (row.page) {
      if (!response.has(row.page.items)) problems.push(`${key}: page.items ${row.page.items} is not a response field of ${row.b2[0]}`);
      for (const [requestField, responseField] of Object.entries(row.page.cursor ?? {})) {
        if (!op.request.has(requestField)) problems.push(`${key}: page.cursor ${requestField} is not a request field of ${row.b2[0]}`);
        if (!response.has(responseField)) problems.push(`${key}: page.cursor ${responseField} is not a response field of ${row.b2[0]}`);
      }
    }
    // `model.x` in handleState reads the returned model: the response itself, or one item of the page.
    const model = row.page ? deref(spec, deref(spec, op.response)?.properties?.[row.page.items])?.items : op.response;
    const modelFields = schemaProperties(spec, model);
    for (const [field, source] of Object.entries(row.handleState ?? {})) {
      const [head, name] = source.split(".");
      if ((head === "model" || head === "item") && name && !modelFields.has(name)) problems.push(`${key}: handleState.${field} reads ${source}, not a field of ${row.b2[0]}'s ${row.page ? "items" : "response"}`);
    }
  }
  return problems;
}
