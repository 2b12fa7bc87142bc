/**
 * Errors as plain data, so they survive postMessage with their class and fields. Structured
 * clone alone would turn a NotFound into a bare Error and drop status/code.
 */
import { B2Error, errorClasses } from "../errors.js";

export interface EncodedError {
  kind: "error";
  name: string;
  message: string;
  stack: string | undefined;
  /** True when the thrown value was a B2Error (of any subclass, known here or not). */
  b2: boolean;
  status?: number;
  code?: unknown;
  operation?: string | undefined;
  retryAfter?: number | undefined;
  /** Other own enumerable properties that can be cloned (e.g. Node's `code`, `errno`). */
  props: Record<string, unknown>;
  cause?: Encoded;
  hasCause: boolean;
  /** AggregateError's members. */
  errors?: Encoded[];
}

/** A thrown value that was not an Error: passed through as is (or as a string if uncloneable). */
export interface EncodedValue {
  kind: "value";
  value: unknown;
}

export type Encoded = EncodedError | EncodedValue;

const MAX_DEPTH = 8;
const B2_FIELDS = new Set(["status", "code", "operation", "retryAfter"]);

/** Whether a value survives postMessage (structured clone). */
export function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

export function encodeThrown(e: unknown, depth = 0): Encoded {
  if (!(e instanceof Error) || depth > MAX_DEPTH) {
    return { kind: "value", value: cloneable(e) ? e : String(e) };
  }
  return encodeError(e, depth);
}

export function encodeError(e: Error, depth = 0): EncodedError {
  const b2 = e instanceof B2Error;
  const out: EncodedError = {
    kind: "error",
    name: e.name,
    message: e.message,
    stack: e.stack,
    b2,
    props: {},
    hasCause: "cause" in e,
  };
  if (b2) {
    out.status = e.status;
    out.code = e.code;
    out.operation = e.operation;
    out.retryAfter = e.retryAfter;
  }
  if (out.hasCause) out.cause = encodeThrown(e.cause, depth + 1);
  if (e instanceof AggregateError) out.errors = Array.from(e.errors, (x: unknown) => encodeThrown(x, depth + 1));
  for (const [k, v] of Object.entries(e)) {
    if (k === "cause" || k === "errors" || k === "stack" || k === "message") continue;
    if (b2 && B2_FIELDS.has(k)) continue;
    if (cloneable(v)) out.props[k] = v;
  }
  return out;
}

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuild a thrown value on the caller's side. B2 errors come back as the class of the same
 * name from `errorClasses` (B2Error when the name is unknown here); standard errors as their
 * builtin class; anything else as an Error carrying the original name.
 * `localStack` (the caller's frames) is appended after the worker's stack.
 */
export function decodeThrown(d: Encoded, localStack?: string): unknown {
  if (d.kind === "value") return d.value;
  const cause = d.hasCause && d.cause !== undefined ? decodeThrown(d.cause) : undefined;
  let err: Error;
  if (d.b2) {
    const Cls = (errorClasses as unknown as Record<string, typeof B2Error>)[d.name] ?? B2Error;
    // Construct through the base constructor so subclasses with other signatures
    // (ValidationError) still get exactly the original fields.
    err = Reflect.construct(
      B2Error,
      [
        {
          status: d.status ?? 0,
          code: typeof d.code === "string" ? d.code : String(d.code),
          message: d.message,
          operation: d.operation,
          retryAfter: d.retryAfter,
          ...(d.hasCause ? { cause } : {}),
        },
      ],
      Cls,
    ) as B2Error;
  } else if (d.errors !== undefined) {
    err = new AggregateError(
      d.errors.map((x) => decodeThrown(x)),
      d.message,
      d.hasCause ? { cause } : undefined,
    );
  } else {
    const Ctor = builtins[d.name] ?? Error;
    err = new Ctor(d.message, d.hasCause ? { cause } : undefined);
    if (err.name !== d.name) Object.defineProperty(err, "name", { value: d.name, configurable: true, writable: true });
  }
  for (const [k, v] of Object.entries(d.props)) {
    if (!(k in err) || Object.prototype.hasOwnProperty.call(err, k)) (err as unknown as Record<string, unknown>)[k] = v;
  }
  if (d.stack !== undefined) {
    err.stack = localStack === undefined ? d.stack : `${d.stack}\n    --- Blocking call from ---${localStack}`;
  }
  return err;
}

/** The caller's own frames, for appending to an error that came from the worker. */
export function callerFrames(): string {
  const s = new Error().stack ?? "";
  const lines = s.split("\n");
  return lines.length > 2 ? "\n" + lines.slice(2).join("\n") : ""; // drop the message and this frame
}
