/** HTTP byte ranges: `bytes=a-b`, `bytes=a-`, `bytes=-n`. */
import { B2Fail, badRequest } from "../errors.js";

/**
 * [start, end] inclusive, or null for "whole file" (absent or unparseable header, as HTTP says to ignore it).
 * `strict` (copy ranges) turns unparseable into 400 instead.
 */
export function parseRange(header: string, size: number, strict: true): [number, number];
export function parseRange(header: string | undefined, size: number, strict?: false): [number, number] | null;
export function parseRange(header: string | undefined, size: number, strict = false): [number, number] | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) {
    if (strict) throw badRequest(`range: invalid ${header}`);
    return null;
  }
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
    if (n === 0) throw unsatisfiable(size);
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) {
      if (strict) throw badRequest(`range: invalid ${header}`);
      return null;
    }
  }
  if (start >= size) {
    if (strict) throw badRequest(`range: ${header} is outside the source of ${size} bytes`);
    throw unsatisfiable(size);
  }
  return [start, end];
}

const unsatisfiable = (size: number): B2Fail =>
  new B2Fail(416, "range_not_satisfiable", `The range requested is not satisfiable for a file of ${size} bytes`, { "Content-Range": `bytes */${size}` });
