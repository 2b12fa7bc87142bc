/** Loads spec/b2.yaml (the single source of truth for request and response shapes) and finds operations in it. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export type Json = Record<string, unknown>;

export interface SpecOperation {
  path: string;
  method: string;
  operation: Json;
}

let cached: { doc: Json; file: string } | null | undefined;

/** The spec document, found by walking up from this module (works from src/ and from dist/src/). */
export function loadSpec(): { doc: Json; file: string } | null {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, "spec", "b2.yaml");
    if (existsSync(file)) {
      try {
        return (cached = { doc: parse(readFileSync(file, "utf8")) as Json, file });
      } catch (error) {
        console.error(`b2kit server: ${file} does not parse; requests are not validated (${(error as Error).message.split("\n")[0]})`);
        return (cached = null);
      }
    }
    dir = dirname(dir);
  }
  return (cached = null);
}

/** Every (path, method) carrying `operationId`, preferring the given method. */
export function findOperation(doc: Json, operationId: string, prefer?: string): SpecOperation | undefined {
  const found: SpecOperation[] = [];
  for (const [path, item] of Object.entries((doc["paths"] ?? {}) as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (operation && typeof operation === "object" && (operation as Json)["operationId"] === operationId) found.push({ path, method, operation: operation as Json });
    }
  }
  return found.find((f) => f.method === prefer) ?? found[0];
}

/** JSON pointer escaping for building `$ref`s into the document. */
export const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
