/** Injected faults: status answers and wire misbehaviour, matched per operation with skip/count. */
import { randomBytes } from "node:crypto";

export type WireFault = "drop_after_commit" | "reset_mid_body" | "stall" | "slow_body";
export const WIRE_FAULTS: readonly WireFault[] = ["drop_after_commit", "reset_mid_body", "stall", "slow_body"];

export interface Fault {
  id: string;
  op: string;
  status?: number;
  code?: string;
  message?: string;
  retryAfter?: number;
  count: number;
  skip: number;
  wire?: WireFault;
  stallMs?: number;
  /** Where a stall happens: before the request is handled (default) or halfway through the response body. */
  stallAt?: "start" | "body";
  bytesPerSec?: number;
}

export class Faults {
  private list: Fault[] = [];

  add(spec: Record<string, unknown>): Fault {
    const op = spec["op"];
    if (typeof op !== "string" || !op) throw new Error("op is required");
    const wire = spec["wire"];
    if (wire !== undefined && !WIRE_FAULTS.includes(wire as WireFault)) throw new Error(`wire must be one of ${WIRE_FAULTS.join(", ")}`);
    const status = num(spec, "status");
    if (status === undefined && wire === undefined) throw new Error("status or wire is required");
    if (status !== undefined && (status < 400 || status > 599)) throw new Error("status must be 400..599");
    const fault: Fault = { id: randomBytes(6).toString("hex"), op, count: num(spec, "count") ?? 1, skip: num(spec, "skip") ?? 0 };
    if (status !== undefined) fault.status = status;
    for (const k of ["code", "message"] as const) if (typeof spec[k] === "string") fault[k] = spec[k] as string;
    const retryAfter = num(spec, "retryAfter");
    if (retryAfter !== undefined) fault.retryAfter = retryAfter;
    if (wire !== undefined) fault.wire = wire as WireFault;
    const stallMs = num(spec, "stallMs");
    if (stallMs !== undefined) fault.stallMs = stallMs;
    const stallAt = spec["stallAt"];
    if (stallAt !== undefined && stallAt !== "start" && stallAt !== "body") throw new Error("stallAt must be start or body");
    if (stallAt !== undefined) fault.stallAt = stallAt;
    const bps = num(spec, "bytesPerSec");
    if (bps !== undefined) fault.bytesPerSec = bps;
    this.list.push(fault);
    return fault;
  }

  clear(): void {
    this.list = [];
  }

  /** The fault that fires for this request of `op`, if any (consumes skip, then count). */
  take(op: string): Fault | undefined {
    for (const fault of this.list) {
      if (fault.op !== op && fault.op !== "*") continue;
      if (fault.count <= 0) continue;
      if (fault.skip > 0) {
        fault.skip--;
        continue;
      }
      fault.count--;
      return fault;
    }
    return undefined;
  }
}

function num(spec: Record<string, unknown>, key: string): number | undefined {
  const v = spec[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`${key} must be a non-negative number`);
  return v;
}
