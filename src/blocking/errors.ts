/**
 * Errors raised by the Blocking bridge itself (never by B2). They are B2Error subclasses with
 * status 0, so code that catches B2Error catches them too.
 */
import { B2Error } from "../errors.js";

/** A call on a Blocking client (or one of its iterators) after `close()`. */
export class BlockingClosed extends B2Error {
  constructor(operation: string) {
    super({ status: 0, code: "blocking_closed", message: `${operation}: the Blocking client is closed`, operation });
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
