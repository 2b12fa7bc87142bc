/**
 * Functions cannot cross postMessage. The caller replaces each function found in the args
 * (at any depth of plain objects and arrays) by `undefined` and sends its path; the worker
 * puts a proxy at each path that reports calls back to the caller, who runs the original.
 */
import type { CallbackPath } from "./protocol.js";

export interface Extracted {
  args: unknown[];
  fns: ((...a: unknown[]) => unknown)[];
  paths: CallbackPath[];
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Copy-on-write walk: containers without functions are passed through untouched. */
export function extractCallbacks(args: unknown[]): Extracted {
  const fns: Extracted["fns"] = [];
  const paths: CallbackPath[] = [];
  const seen = new WeakSet<object>();
  const walk = (v: unknown, path: CallbackPath): unknown => {
    if (typeof v === "function") {
      fns.push(v as Extracted["fns"][number]);
      paths.push(path);
      return undefined;
    }
    const arr = Array.isArray(v);
    if (!arr && !isPlain(v)) return v;
    const obj = v as Record<string | number, unknown>;
    if (seen.has(obj)) return v; // cycles: structured clone copes, we just stop walking
    seen.add(obj);
    let copy: Record<string | number, unknown> | undefined;
    const keys: (string | number)[] = arr ? (v as unknown[]).map((_, i) => i) : Object.keys(obj);
    for (const k of keys) {
      const before = obj[k];
      const after = walk(before, [...path, k]);
      if (after !== before) {
        copy ??= (arr ? [...(v as unknown[])] : { ...obj }) as Record<string | number, unknown>;
        copy[k] = after;
      }
    }
    return copy ?? v;
  };
  const out = walk(args, []) as unknown[];
  return { args: out, fns, paths };
}

/** Worker side: put `make(i)` at the i-th path. */
export function installCallbacks(
  args: unknown[],
  paths: CallbackPath[],
  make: (index: number) => (...a: unknown[]) => void,
): void {
  paths.forEach((path, i) => {
    let target = args as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[path[path.length - 1] as string | number] = make(i);
  });
}
