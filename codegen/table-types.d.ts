/** Types of the operation table (codegen/operations.mjs). */

export type ClassName = "Client" | "Bucket" | "File" | "Parts" | "Key";

export type Kind = "call" | "paginated" | "custom" | "stream" | "handle" | "lifecycle";

export interface Param {
  name: string;
  /** A TypeScript type, using names exported by src/models.ts. */
  type: string;
  optional?: boolean;
  /** A TypeScript expression used as the parameter's default value. */
  default?: string;
}

export interface NextField {
  name: string;
  type: string;
}

export type Returns =
  | { value: string }
  | { pair: [model: string, handle: ClassName] }
  | { handle: ClassName }
  | { void: true }
  | { items: { value: string } | { model: string; handle?: ClassName; next?: NextField[] } };

/** A source path (`state.x`, `auth.accountId`, `<param>`, `<param>.x`, `model.x`) or one with a default. */
export type Source = string | { from: string; default: string | number | boolean };

export interface Row {
  class: ClassName;
  name: string;
  kind: Kind;
  /** The hand-written implementation (src/core/ops/) for custom and stream rows. */
  impl?: string;
  b2: string[];
  params: Param[];
  returns: Returns;
  /** Request body fields; the key "..." spreads an object argument. */
  request?: Record<string, Source>;
  page?: { items: string; cursor?: Record<string, string> };
  handleState?: Record<string, string>;
  doc: string;
  example: string;
  /** The Blocking example, where the Awaiting one without `await` would not run there (e.g. a Node stream). */
  blockingExample?: string;
}

export interface HandleField {
  name: string;
  type: string;
  optional?: boolean;
  doc: string;
  /** State only, no public getter (a secret such as an SSE-C key). */
  hidden?: boolean;
}

export interface HandleSpec {
  class: ClassName;
  /** The class's doc comment (the flavor's note is added). */
  doc: string;
  fields: HandleField[];
}
