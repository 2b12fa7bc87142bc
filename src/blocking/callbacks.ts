/**
 * Functions and pull sources cannot cross postMessage. The caller replaces each function and
 * each sync iterable (a generator, a stream-like object: see `isSource`) found in the args, at
 * any depth of plain objects and arrays, by `undefined` and sends its path; the worker puts a
 * stand-in at each path: a proxy that reports calls back to the caller, who runs the original,
 * or an async iterable that pulls items from the caller's iterable (sources.ts).
 *
 * What can never cross (an AbortSignal, a web ReadableStream, a Node Readable or any other async
 * iterable) is refused here with a ValidationError, before the call reaches the worker.
 */
import { ValidationError } from "../errors.js";
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

const TAKES_INSTEAD =
  "pass a Uint8Array, or a sync iterable of Uint8Array chunks such as a generator, pulled from your thread " +
  "(streams and async iterables are for the Awaiting client)";

/** What `v` is and what to pass instead, when it can never be handed to a Blocking call's worker. */
function unsupported(v: unknown): [kind: string, instead: string] | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  if (typeof AbortSignal !== "undefined" && v instanceof AbortSignal) {
    return [
      "an AbortSignal",
      "signals are Awaiting-only; a Blocking call is bounded by the client's `callTimeout` option (each request by `timeout`)",
    ];
  }
  if (typeof ReadableStream !== "undefined" && v instanceof ReadableStream) {
    return ["a web ReadableStream", TAKES_INSTEAD];
  }
  const it = v as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown; pipe?: unknown; read?: unknown };
  if (typeof it[Symbol.asyncIterator] === "function" && typeof it[Symbol.iterator] !== "function") {
    const node = typeof it.pipe === "function" && typeof it.read === "function";
    return [node ? "a Node Readable stream" : "an async iterable", TAKES_INSTEAD];
  }
  return undefined;
}

/** `settings.signal` reads as `signal`, a top-level argument as `argument 2`. */
function describePath(path: CallbackPath): string {
  return path.length > 1 ? `\`${path.slice(1).join(".")}\`` : `argument ${Number(path[0]) + 1}`;
}

/**
 * Copy-on-write walk: containers without functions or sources are passed through untouched.
 * Throws a ValidationError (naming `op`) for a value that can never reach the worker.
 */
export function extractCallbacks(args: unknown[], op = "Blocking"): Extracted {
  const x: Extracted = { args, fns: [], paths: [], sources: [], sourcePaths: [] };
  const seen = new WeakSet<object>();
  const walk = (v: unknown, path: CallbackPath): unknown => {
    if (typeof v === "function") {
      x.fns.push(v as Fn);
      x.paths.push(path);
      return undefined;
    }
    const bad = path.length > 0 ? unsupported(v) : undefined;
    if (bad !== undefined) {
      const [kind, instead] = bad;
      throw new ValidationError(
        `${op}: ${describePath(path)} is ${kind}, which the Blocking client cannot send to its worker thread; ${instead}`,
        op,
      );
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
