/** Page sizes: absent or 0 means the default; above the cap is refused with 400 out_of_range. */
import { badRequest } from "../errors.js";

export function pageSize(value: unknown, [def, max]: [number, number], field: string): number {
  if (value === undefined || value === 0) return def;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw badRequest(`${field}: must be a non-negative integer`, "bad_request");
  if (value > max) throw badRequest(`${field}: must be at most ${max}`, "out_of_range");
  return value;
}
