/**
 * Handle state: what a handle object (Bucket, File, Parts, Key) knows without I/O.
 * Both hierarchies keep one of these per handle and pass it to the engine on every call.
 * Engine operations may update it in place (Parts advances `partNumber`); the Blocking
 * bridge copies such updates back to the caller's thread.
 */
import type { CustomerKey } from "../models.js";

export interface ClientState {
  readonly kind: "Client";
}
export interface BucketState {
  readonly kind: "Bucket";
  bucketId: string;
  bucketName?: string;
}
export interface FileState {
  readonly kind: "File";
  fileId: string;
  bucketId?: string;
  fileName?: string;
}
export interface PartsState {
  readonly kind: "Parts";
  fileId: string;
  bucketId?: string;
  /** The last part number used; the next uploaded part is `partNumber + 1`. */
  partNumber: number;
  /** The SSE-C key of the large file, sent with every uploaded part (never a public field). */
  serverSideEncryption?: CustomerKey | undefined;
}
export interface KeyState {
  readonly kind: "Key";
  keyId: string;
}

export type HandleState = ClientState | BucketState | FileState | PartsState | KeyState;
export type HandleKind = HandleState["kind"];
export type StateOf<K extends HandleKind> = Extract<HandleState, { kind: K }>;
