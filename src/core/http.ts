/**
 * One HTTP attempt against B2 through openapi-fetch: per-attempt timeout (also covering a
 * stalled body, which callers consume inside the same attempt), error bodies mapped to
 * `B2Error` classes, network failures to `ConnectionError`.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/schema.js";
import { encodeNamePath } from "./encoding.js";
import { B2Error, ClientClosed, ConnectionError, RequestTimeout, ValidationError, errorFromBody } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import { callbackErrorIn } from "./progress.js";

export type ApiClient = Client<paths>;

/** Download-by-name paths keep `/` between encoded segments; other path params are encoded whole. */
function pathSerializer(pathname: string, params: Record<string, unknown>): string {
  return pathname.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = String(params[name] ?? "");
    return name === "fileName" ? encodeNamePath(value) : encodeURIComponent(value);
  });
}

export function createApiClient(options: ResolvedOptions): ApiClient {
  const fetchImpl = options.fetch;
  return createClient<paths>({
    fetch: (request: Request) => fetchImpl(request),
    pathSerializer,
    headers: { "User-Agent": options.userAgent, ...options.headers },
  });
}

/** An abort signal for one attempt: the caller's signal plus the attempt timeout. */
export class Attempt {
  readonly controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  readonly #onAbort = (): void => this.controller.abort((this.#outer as AbortSignal).reason);
  readonly #outer: AbortSignal | undefined;

  readonly #closed: AbortSignal | undefined;
  readonly #onClose = (): void => this.controller.abort((this.#closed as AbortSignal).reason);

  /** `closed`: the client's, aborted by close() (ResolvedOptions.closed). */
  constructor(timeoutMs: number, outer?: AbortSignal, closed?: AbortSignal) {
    this.#outer = outer;
    this.#closed = closed;
    if (closed?.aborted) this.controller.abort(closed.reason);
    else closed?.addEventListener("abort", this.#onClose, { once: true });
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.controller.abort(new Error("attempt timed out"));
    }, timeoutMs);
    this.#timer.unref?.();
    if (outer) {
      if (outer.aborted) this.controller.abort(outer.reason);
      else outer.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restarts the timeout: a body that keeps arriving is not stalled. */
  touch(): void {
    this.#timer?.refresh();
  }

  done(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#outer?.removeEventListener("abort", this.#onAbort);
    this.#closed?.removeEventListener("abort", this.#onClose);
  }

  /** Turns whatever a failed fetch threw into a B2Error (status 0 for no response). */
  failure(error: unknown, operation: string): B2Error {
    if (error instanceof B2Error) return error;
    const own = callbackErrorIn(error);
    if (own) throw own; // the caller's own onProgress threw: not a transport failure
    if (this.#closed?.aborted) throw new ClientClosed(operation); // close() during the call: never retried

    if (this.#outer?.aborted) {
      const reason = this.#outer.reason;
      throw reason instanceof Error ? reason : new DOMException("The operation was aborted", "AbortError");
    }
    if (this.#timedOut) {
      return new RequestTimeout({ status: 0, code: "timeout", message: `${operation}: no response within the timeout`, operation, cause: error });
    }
    const local = localRequestError(error, operation);
    if (local) return local;
    const message = error instanceof Error ? error.message : String(error);
    return new ConnectionError({ status: 0, code: "connection_error", message: `${operation}: ${message}`, operation, cause: error });
  }
}

/** Node's codes for a request it refused to build (a header name or value HTTP cannot carry). */
const LOCAL_CODES = new Set(["ERR_INVALID_CHAR", "ERR_HTTP_INVALID_HEADER_VALUE", "ERR_INVALID_HTTP_TOKEN"]);

/**
 * A request that never left because a header could not be built: bad input, not a network
 * failure, so a ValidationError (never retried). fetch's TypeError may quote the value (a key,
 * a token), so only Node's own messages, which name the header alone, are passed on.
 */
function localRequestError(error: unknown, operation: string): ValidationError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && LOCAL_CODES.has(code)) return new ValidationError(`${operation}: ${(error as Error).message}`, operation);
  if (error instanceof TypeError && /header/i.test(error.message)) return new ValidationError(`${operation}: a header value that HTTP cannot carry`, operation);
  return undefined;
}

export function retryAfterSeconds(response: { headers: Headers }): number | undefined {
  const value = response.headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** A response body's JSON, or undefined when it is empty or not JSON (error bodies from proxies may be HTML). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the B2Error of a non-2xx response (JSON body when there is one). */
export async function errorFromResponse(response: Response, body: unknown, operation: string): Promise<B2Error> {
  let parsed = body;
  if (parsed === undefined && response.bodyUsed === false) parsed = jsonOrUndefined(await response.text().catch(() => ""));
  return errorFromBody(response.status, parsed, operation, retryAfterSeconds(response));
}
