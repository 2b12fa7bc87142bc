/**
 * b2kit: the Backblaze B2 Native API (v4) for TypeScript.
 * `Awaiting` returns Promises and async iterators; `Blocking` the same methods, synchronously.
 */
export * from "../generated/index.js";
export * from "./errors.js";
export type * from "./models.js";
export type { ClientOptions } from "./options.js";
export type { HandleState, BucketState, FileState, PartsState, KeyState, ClientState } from "./core/handles.js";
