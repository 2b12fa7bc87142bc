/**
 * Functions and pull sources cannot cross postMessage. The caller replaces each function and
 * each sync iterable (a generator, a stream-like object: see `isSource`) found in the args, at
 * any depth of plain objects and arrays, by `undefined` and sends its path; the worker puts a
 * stand-in at each path: a proxy that reports calls back to the caller, who runs the original,
 * or an async iterable that pulls items from the caller's iterable (sources.ts).
 */
import type { CallbackPath } from "./protocol.js";

type Fn = (...a: unknown[]) => unknown;

export interface Extracted {
  args: unknown[];
  fns: Fn[];
  paths: CallbackPath[];
  sources: Iterable<unknown>[];
  sourcePaths: CallbackPath[];
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** A sync iterable that is not a value structured clone already carries (array, typed array, Map, Set, String). */
export function isSource(v: unknown): v is Iterable<unknown> {
  if (typeof v !== "object" || v === null) return false;
  if (typeof (v as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function") return false;
  return !(Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set || v instanceof String);
}

/** Copy-on-write walk: containers without functions or sources are passed through untouched. */
export function extractCallbacks(args: unknown[]): Extracted {
  const x: Extracted = { args, fns: [], paths: [], sources: [], sourcePaths: [] };
  const seen = new WeakSet<object>();
  const walk = (v: unknown, path: CallbackPath): unknown => {
    if (typeof v === "function") {
      x.fns.push(v as Fn);
      x.paths.push(path);
      return undefined;
    }
    if (path.length > 0 && isSource(v)) {
      x.sources.push(v);
      x.sourcePaths.push(path);
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
  x.args = walk(args, []) as unknown[];
  return x;
}

/** Worker side: put `make(i)` at the i-th path. */
export function installCallbacks<T = (...a: unknown[]) => void>(
  args: unknown[],
  paths: CallbackPath[],
  make: (index: number) => T,
): void {
  paths.forEach((path, i) => {
    let target = args as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[path[path.length - 1] as string | number] = make(i);
  });
}
