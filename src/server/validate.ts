/**
 * Request validation compiled from spec/b2.yaml with Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses). Each
 * operation's JSON request body schema (or, for GET-only operations, its query parameters) is compiled once.
 * Requests whose fields come from the query string or headers (all strings) are checked by a second Ajv that
 * coerces them to the schema's types (integers, booleans, arrays), in place.
 */
import { Ajv2020, type ValidateFunction, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { findOperation, loadSpec, pointer, type Json } from "./spec.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const SPEC_ID = "b2-spec";
const instances = new Map<boolean, Ajv2020 | null>();
const compiled = new Map<string, ValidateFunction | null>();

function instance(coerce: boolean): Ajv2020 | null {
  if (instances.has(coerce)) return instances.get(coerce) ?? null;
  const spec = loadSpec();
  let a: Ajv2020 | null = null;
  if (spec) {
    a = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, ...(coerce ? { coerceTypes: "array" as const } : {}) });
    addFormats(a);
    a.addSchema({ ...spec.doc, $id: SPEC_ID });
  }
  instances.set(coerce, a);
  return a;
}

/** The compiled request validator of an operation, or null when the spec has none (or is absent). */
function validatorFor(op: string, coerce: boolean): ValidateFunction | null {
  const key = `${op} ${coerce}`;
  if (compiled.has(key)) return compiled.get(key) ?? null;
  const a = instance(coerce);
  const spec = loadSpec();
  let fn: ValidateFunction | null = null;
  if (a && spec) {
    const found = findOperation(spec.doc, op, "post");
    const body = (found?.operation["requestBody"] as Json | undefined)?.["content"] as Record<string, Json> | undefined;
    if (found && body?.["application/json"]?.["schema"]) {
      fn = a.compile({ $ref: `${SPEC_ID}#/${pointer("paths", found.path, found.method, "requestBody", "content", "application/json", "schema")}` });
    } else if (found && found.method === "get") {
      const params = ((found.operation["parameters"] ?? []) as Json[]).map((p) => resolveRef(spec.doc, p)).filter((p) => p["in"] === "query");
      if (params.length) {
        fn = a.compile({
          type: "object",
          required: params.filter((p) => p["required"]).map((p) => p["name"]),
          properties: Object.fromEntries(params.map((p) => [p["name"], rebase(p["schema"] ?? {})])),
        });
      }
    }
  }
  compiled.set(key, fn);
  return fn;
}

/** A validator, or null (with one warning) when the spec's schema for `op` does not compile. */
function safeValidatorFor(op: string, coerce: boolean): ValidateFunction | null {
  try {
    return validatorFor(op, coerce);
  } catch (error) {
    console.error(`b2kit server: request schema of ${op} does not compile: ${(error as Error).message}`);
    compiled.set(`${op} ${coerce}`, null);
    return null;
  }
}

function resolveRef(doc: Json, node: Json): Json {
  const ref = node["$ref"];
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  let cur: unknown = doc;
  for (const part of ref.slice(2).split("/")) cur = (cur as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return (cur ?? {}) as Json;
}

/** Rewrites local refs of a schema lifted out of the document so they still resolve into it. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#") ? `${SPEC_ID}${v}` : rebase(v)]),
  );
}

/**
 * Header parameters of an operation (uploads: X-Bz-File-Name, X-Bz-Content-Sha1, X-Bz-Part-Number...), compiled as one
 * object schema over lower-cased header names with type coercion (headers are strings; some are integers).
 * `Range` is left out: HTTP says an unparseable range is ignored (whole file, 200), which B2 follows.
 */
const headerValidators = new Map<string, ValidateFunction | null>();
const SKIPPED_HEADERS = new Set(["range", "authorization"]);

function headerValidatorFor(op: string, method: string): ValidateFunction | null {
  const key = `${op} ${method}`;
  if (headerValidators.has(key)) return headerValidators.get(key) ?? null;
  const spec = loadSpec();
  let fn: ValidateFunction | null = null;
  const coercing = instance(true);
  if (spec) {
    const found = method === "HEAD" ? findOperation(spec.doc, `${op}_head`) : findOperation(spec.doc, op, method.toLowerCase());
    const params = ((found?.operation["parameters"] ?? []) as Json[])
      .map((p) => resolveRef(spec.doc, p))
      .filter((p) => p["in"] === "header" && !SKIPPED_HEADERS.has(String(p["name"]).toLowerCase()));
    if (coercing && params.length) {
      fn = coercing.compile({
        type: "object",
        required: params.filter((p) => p["required"]).map((p) => String(p["name"]).toLowerCase()),
        properties: Object.fromEntries(params.map((p) => [String(p["name"]).toLowerCase(), rebase(p["schema"] ?? {})])),
      });
    }
  }
  headerValidators.set(key, fn);
  return fn;
}

/** A message naming the offending header, or null. Names in messages use the spec's spelling where known. */
export function validateHeaders(op: string, method: string, headers: Record<string, string | string[] | undefined>): string | null {
  let fn: ValidateFunction | null;
  try {
    fn = headerValidatorFor(op, method);
  } catch (error) {
    console.error(`b2kit server: header schema of ${op} does not compile: ${(error as Error).message}`);
    headerValidators.set(`${op} ${method}`, null);
    return null;
  }
  if (!fn) return null;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) copy[k] = v;
  if (fn(copy)) return null;
  return describe(fn.errors?.[0]);
}

/** Older API versions name a few request fields differently; validate their v4 equivalent. */
export function toV4(op: string, version: number, body: Json): Json {
  if (version < 4 && op === "b2_create_key" && typeof body["bucketId"] === "string") {
    const { bucketId, ...rest } = body;
    return { ...rest, bucketIds: [bucketId] };
  }
  return body;
}

/** B2's specific codes for some schema violations (the spec documents them per operation). */
function codeFor(error: ErrorObject | undefined): string {
  if (!error) return "bad_request";
  const field = error.instancePath.split("/")[1] ?? "";
  if (/^max\w+Count$/.test(field) && (error.keyword === "maximum" || error.keyword === "minimum")) return "out_of_range";
  if (field === "eventNotificationRules" && error.instancePath.endsWith("/eventTypes") && error.keyword === "minItems") return "event_types_empty";
  if (field === "eventNotificationRules" && /\/eventTypes\/\d+$/.test(error.instancePath)) return "event_type_invalid";
  return "bad_request";
}

/** The problem (a message naming the offending field, and B2's code), or null when valid or no schema applies. */
export function validateRequest(op: string, version: number, body: Json, fromQuery = false): { message: string; code: string } | null {
  const fn = safeValidatorFor(op, fromQuery);
  const v4 = toV4(op, version, body);
  if (!fn || fn(v4)) {
    // Coercion rewrote query strings into the schema's types: hand them back to the handler.
    if (fromQuery && v4 !== body) Object.assign(body, v4);
    return null;
  }
  return { message: describe(fn.errors?.[0]), code: codeFor(fn.errors?.[0]) };
}

export function describe(error: ErrorObject | undefined): string {
  if (!error) return "invalid request";
  const params = error.params as Record<string, unknown>;
  const field = [error.instancePath.replace(/^\//, "").replace(/\//g, "."), params["missingProperty"] ?? params["additionalProperty"]]
    .filter((s) => s !== undefined && s !== "")
    .join(".");
  const extra = params["additionalProperty"] !== undefined ? " (unknown field)" : "";
  return `${field || "body"}: ${error.message ?? "invalid"}${extra}`;
}
