/**
 * The engine interface the generated classes delegate to. `AsyncEngine` runs in-process for
 * Awaiting; `SyncEngine` is the same surface for Blocking, served by a worker thread.
 */
import type { Operations } from "../../generated/operations.js";

type OpsOfKind<K extends string> = {
  [O in keyof Operations]: Operations[O]["kind"] extends K ? O : never;
}[keyof Operations];

export type RunOp = OpsOfKind<"call" | "custom">;
export type IterOp = OpsOfKind<"paginated" | "stream">;
export type HandleOp = OpsOfKind<"handle">;

export type StateOf<O extends keyof Operations> = Operations[O]["state"];
export type ArgsOf<O extends keyof Operations> = Operations[O]["args"];
export type ResultOf<O extends keyof Operations> = Operations[O] extends { result: infer R } ? R : never;
export type ItemOf<O extends keyof Operations> = Operations[O] extends { item: infer I } ? I : never;

export interface AsyncEngine {
  run<O extends RunOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): Promise<ResultOf<O>>;
  iterate<O extends IterOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): AsyncIterable<ItemOf<O>>;
  handle<O extends HandleOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O>;
  close(): Promise<void>;
}

export interface SyncEngine {
  run<O extends RunOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O>;
  iterate<O extends IterOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): Iterable<ItemOf<O>>;
  handle<O extends HandleOp>(op: O, state: StateOf<O>, args: ArgsOf<O>): ResultOf<O>;
  close(): void;
}
