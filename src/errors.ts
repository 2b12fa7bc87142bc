/**
 * Every error b2kit throws. A B2 error response becomes a `B2Error` subclass chosen by HTTP
 * status in exactly one place (`errorFromResponse`); input rejected before any request is a
 * `ValidationError` (a `BadRequest`), so callers can catch by status either way.
 */

/** The fields of a B2Error (its constructor's argument). */
export interface B2ErrorInit {
  /** HTTP status (0 when no response was received). */
  status: number;
  /** B2's error code. */
  code: string;
  /** B2's message, or the SDK's own for errors without a response. */
  message: string;
  /** The B2 operation, e.g. `b2_upload_file`. */
  operation?: string | undefined;
  /** Seconds from `Retry-After`. */
  retryAfter?: number | undefined;
  /** The underlying error (the last attempt's, for RequestAttemptsFailed). */
  cause?: unknown;
}

/**
 * Base class of every b2kit error: a B2 error response, a failure before any response
 * (status 0), or input rejected before sending.
 *
 * @example
 * ```ts
 * try {
 *   await bucket.delete();
 * } catch (e) {
 *   if (e instanceof BadRequest && e.code === "cannot_delete_non_empty_bucket") console.log("not empty");
 *   else throw e;
 * }
 * ```
 */
export class B2Error extends Error {
  /** HTTP status of the B2 response (0 when no response was received). */
  readonly status: number;
  /** B2's error code, e.g. `bad_request`, `expired_auth_token`. */
  readonly code: string;
  /** The B2 operation that failed, e.g. `b2_upload_file`. */
  readonly operation: string | undefined;
  /** Seconds from a `Retry-After` header, when B2 sent one. */
  readonly retryAfter: number | undefined;

  constructor(init: B2ErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.operation = init.operation;
    this.retryAfter = init.retryAfter;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** 400: the request was invalid (B2 said so, or the SDK refused to send it). */
export class BadRequest extends B2Error {}
/** 401: missing, bad or expired token, or the key lacks the capability/scope. */
export class Unauthorized extends B2Error {}
/** 403: a cap was exceeded or access was denied (e.g. wrong SSE-C key, retention). */
export class Forbidden extends B2Error {}
/** 404: no such file, bucket or URL. */
export class NotFound extends B2Error {}
/** 405: the method is not allowed on that URL. */
export class MethodNotAllowed extends B2Error {}
/** 408 from B2, or an attempt that timed out (status 0, code `timeout`). */
export class RequestTimeout extends B2Error {}
/** 409: a conflicting update (e.g. a stale `ifRevisionIs`). */
export class Conflict extends B2Error {}
/** 416: the range asked for lies outside the file. */
export class RangeNotSatisfiable extends B2Error {}
/** 429: slow down; `retryAfter` says for how long. */
export class TooManyRequests extends B2Error {}
/** 500 (and other 5xx without a class of their own). */
export class InternalError extends B2Error {}
/** 503: B2 is busy; retried with back-off. */
export class ServiceUnavailable extends B2Error {}

/** Input the SDK rejects before sending anything; the message names the rule. */
export class ValidationError extends BadRequest {
  constructor(message: string, operation?: string) {
    super({ status: 400, code: "invalid_input", message, operation });
  }
}

/** Every attempt of a call failed; `cause` is the last attempt's error. */
export class RequestAttemptsFailed extends B2Error {}

/** A call needs an authorized client and authorization is not possible or was not done. */
export class AuthorizeRequired extends B2Error {}

/** The download's bytes did not match the SHA-1 B2 reported for them. */
export class ChecksumMismatch extends B2Error {}

/** The connection failed or timed out before B2 answered (status 0). */
export class ConnectionError extends B2Error {}

/** A Blocking call's worker sent nothing (no answer, progress, pull or log line) for `callTimeout`; the worker was reset. */
export class BlockingTimeout extends B2Error {}

/** A call on a client (or one of its iterators) after `close()`: the same class in both hierarchies. */
export class ClientClosed extends B2Error {
  constructor(operation: string, code = "client_closed", message = `${operation}: the client is closed`) {
    super({ status: 0, code, message, operation });
  }
}

/** A call on a Blocking client (or one of its iterators) after `close()`. */
export class BlockingClosed extends ClientClosed {
  constructor(operation: string) {
    super(operation, "blocking_closed", `${operation}: the Blocking client is closed`);
  }
}

/**
 * The worker thread behind a Blocking client failed to start, crashed, or was reset after a
 * timed-out call, and the call (or iterator) that depended on it cannot continue.
 */
export class BlockingWorkerFailed extends B2Error {
  constructor(operation: string, message: string, cause?: unknown) {
    super({ status: 0, code: "blocking_worker_failed", message: `${operation}: ${message}`, operation, cause });
  }
}

const byStatus: Record<number, typeof B2Error> = {
  400: BadRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  405: MethodNotAllowed,
  408: RequestTimeout,
  409: Conflict,
  416: RangeNotSatisfiable,
  429: TooManyRequests,
  500: InternalError,
  503: ServiceUnavailable,
};

/** Every exported error class by name: the Blocking bridge rebuilds errors with it. */
export const errorClasses = {
  B2Error,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  RequestTimeout,
  Conflict,
  RangeNotSatisfiable,
  TooManyRequests,
  InternalError,
  ServiceUnavailable,
  ValidationError,
  RequestAttemptsFailed,
  AuthorizeRequired,
  ChecksumMismatch,
  ConnectionError,
  BlockingTimeout,
  ClientClosed,
  BlockingClosed,
  BlockingWorkerFailed,
} as const;

/** The one place where a B2 status becomes an error class. */
export function errorClassForStatus(status: number): typeof B2Error {
  return byStatus[status] ?? (status >= 500 ? InternalError : B2Error);
}

export function errorFromBody(
  status: number,
  body: unknown,
  operation: string | undefined,
  retryAfter?: number,
): B2Error {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof b["code"] === "string" ? b["code"] : defaultCode(status);
  const message = typeof b["message"] === "string" && b["message"] !== "" ? b["message"] : `${operation ?? "request"} failed with HTTP ${status} (${code})`;
  const Cls = errorClassForStatus(status);
  return new Cls({ status, code, message, operation, retryAfter });
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 408:
      return "request_timeout";
    case 409:
      return "conflict";
    case 416:
      return "range_not_satisfiable";
    case 429:
      return "too_many_requests";
    case 503:
      return "service_unavailable";
    default:
      return status >= 500 ? "internal_error" : "unknown";
  }
}
