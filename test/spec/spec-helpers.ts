/** Loads spec/b2.yaml once and compiles its schemas with Ajv 2020, as the local server does. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const specPath = `${repoRoot}spec/b2.yaml`;

type Json = Record<string, unknown>;
export interface Operation {
  operationId: string;
  method: string;
  path: string;
  raw: Json;
  security: Json[] | undefined;
}

export const spec = parse(readFileSync(specPath, "utf8")) as Json & { paths: Record<string, Json>; components: Json };

/** Resolves a local `$ref` (only `#/...` refs are used in the spec). */
export function deref<T = Json>(value: unknown): T {
  let v = value as Json;
  while (v && typeof v === "object" && typeof v["$ref"] === "string") {
    const ref = v["$ref"] as string;
    if (!ref.startsWith("#/")) throw new Error(`non-local $ref ${ref}`);
    v = ref
      .slice(2)
      .split("/")
      .reduce<unknown>((o, k) => (o as Json)[k.replace(/~1/g, "/").replace(/~0/g, "~")], spec) as Json;
    if (v === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return v as T;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => {
    const raw = item[method] as Json;
    return { operationId: raw["operationId"] as string, method, path, raw, security: raw["security"] as Json[] | undefined };
  }),
);

export function operation(operationId: string): Operation {
  const op = operations.find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId} in the spec`);
  return op;
}

/** The JSON schema of an operation's request body, if it has a JSON one. */
export function requestSchema(op: Operation): Json | undefined {
  const body = deref<Json | undefined>(op.raw["requestBody"]);
  return (body?.["content"] as Record<string, Json> | undefined)?.["application/json"]?.["schema"] as Json | undefined;
}

/** The response object the spec documents for a status (exact code, no ranges are used). */
export function response(op: Operation, status: number): Json | undefined {
  const r = (op.raw["responses"] as Json)[String(status)];
  return r === undefined ? undefined : deref<Json>(r);
}

export function responseJsonSchema(op: Operation, status: number): Json | undefined {
  return ((response(op, status)?.["content"] as Record<string, Json> | undefined)?.["application/json"]?.["schema"]) as Json | undefined;
}

/** Ajv 2020 over the whole spec document, so `#/components/schemas/X` refs resolve as written. */
export function makeAjv(options: { coerceTypes?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, ...options });
  addFormats(ajv);
  ajv.addFormat("binary", true);
  ajv.addSchema(spec as object, "b2.yaml");
  return ajv;
}

const ajv = makeAjv();
const coercing = makeAjv({ coerceTypes: true });
const cache = new Map<string, ValidateFunction>();

/** Compiles a schema found inside the spec (refs resolve against the spec document). */
export function validator(schema: Json, opts: { coerce?: boolean } = {}): ValidateFunction {
  const key = `${opts.coerce ? "c" : "s"}:${JSON.stringify(schema)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const fn = (opts.coerce ? coercing : ajv).compile({ $id: `inline-${cache.size}`, ...rebase(schema) });
  cache.set(key, fn);
  return fn;
}

/** Rewrites `#/...` refs to `b2.yaml#/...` so a schema lifted out of the spec still resolves. */
function rebase(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(rebase) as unknown as Json;
  if (!schema || typeof schema !== "object") return schema as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `b2.yaml${v}` : rebase(v);
  return out;
}

export function errorsOf(fn: ValidateFunction): string {
  return (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("; ");
}
