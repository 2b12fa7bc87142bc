/** Test-side check that a response conforms to spec/b2.yaml: status documented, JSON body valid for it. */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

type Json = Record<string, unknown>;
const repo = new URL("../../", import.meta.url);
const doc = parse(readFileSync(new URL("spec/b2.yaml", repo), "utf8")) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...doc, $id: "spec" });
const cache = new Map<string, ValidateFunction | "none">();

const esc = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

function operation(op: string): { path: string; method: string; node: Json } {
  for (const [path, item] of Object.entries(doc["paths"] as Record<string, Json>))
    for (const [method, node] of Object.entries(item)) if ((node as Json)?.["operationId"] === op) return { path, method, node: node as Json };
  throw new Error(`operation ${op} is not in the spec`);
}

/** The validator for (op, status); "none" when the documented response has no JSON body. Throws when undocumented. */
function validator(op: string, status: number): ValidateFunction | "none" {
  const key = `${op} ${status}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { path, method, node } = operation(op);
  const responses = node["responses"] as Record<string, Json>;
  const code = responses[String(status)] ? String(status) : responses[`${String(status)[0]}XX`] ? `${String(status)[0]}XX` : responses["default"] ? "default" : null;
  if (!code) throw new Error(`${op} answered ${status}, which the spec does not document`);
  let base = `spec#/paths/${esc(path)}/${method}/responses/${esc(code)}`;
  let response = responses[code] as Json;
  const ref = response["$ref"];
  if (typeof ref === "string") {
    base = `spec${ref}`;
    response = ref
      .slice(2)
      .split("/")
      .reduce<Json>((n, p) => n[p.replace(/~1/g, "/").replace(/~0/g, "~")] as Json, doc);
  }
  const content = response["content"] as Record<string, Json> | undefined;
  const fn = content?.["application/json"]?.["schema"] ? ajv.compile({ $ref: `${base}/content/application~1json/schema` }) : ("none" as const);
  cache.set(key, fn);
  return fn;
}

/** Throws with the violations when `body` does not conform. */
export function assertConforms(op: string, status: number, body: unknown): void {
  const fn = validator(op, status);
  if (fn === "none") return;
  if (!fn(body)) throw new Error(`${op} ${status} response does not conform to the spec: ${ajv.errorsText(fn.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
}
