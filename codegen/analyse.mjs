#!/usr/bin/env node
// @ts-check
/**
 * The generator's first step: load the spec and the table and check every invariant (the table's
 * own and against the spec). `node codegen/analyse.mjs` runs only this and lists every problem.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { handles, operations } from "./operations.mjs";
import { verifyAgainstSpec } from "./verify-spec.mjs";
import { verifyTable } from "./verify.mjs";

export const root = new URL("../", import.meta.url);
export const specUrl = new URL("spec/b2.yaml", root);

/** The spec's bytes, or a clear error when it is missing (schema.ts and the checks need it). */
export function readSpec(/** @type {URL} */ url = specUrl) {
  try {
    return readFileSync(url);
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    throw new Error(`cannot read the OpenAPI spec ${fileURLToPath(url)} (${code ?? error}); the generator needs it for generated/schema.ts and the table checks`);
  }
}

/** Everything later steps need, plus the problems found (empty when the table and spec are sound). */
export function analyse(/** @type {URL} */ url = specUrl) {
  const bytes = readSpec(url);
  const spec = parse(bytes.toString("utf8"));
  const problems = [...verifyTable(operations, handles), ...verifyAgainstSpec(operations, spec)];
  return { operations, handles, spec, specSha256: createHash("sha256").update(bytes).digest("hex"), problems };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { problems } = analyse();
  if (problems.length) {
    console.error(`operation table problems (${problems.length}):\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  } else console.log(`operation table: ${operations.length} rows, no problems`);
}
