/**
 * Authorized JSON calls on the API host: the account token, retries with back-off, and one
 * re-authorization when B2 says the token expired or is bad.
 */
import { withFullSse } from "./sse.js";
import { B2Error } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import { Attempt, errorFromResponse, type ApiClient } from "./http.js";
import { isAuthExpired, retrying, type RetryPolicy } from "./retry.js";
import type { Authorization, Session } from "./session.js";

/** Operations B2 serves as GET with query parameters; every other JSON call is a POST. */
const GET_OPERATIONS = new Set(["b2_get_bucket_notification_rules"]);

export class Api {
  constructor(
    readonly session: Session,
    readonly client: ApiClient,
    readonly options: ResolvedOptions,
    readonly policy: RetryPolicy,
  ) {}

  /** Runs `fn` with the current authorization, renewing it once if B2 refuses the token. */
  async withAuth<T>(fn: (auth: Authorization) => Promise<T>): Promise<T> {
    const auth = await this.session.get();
    try {
      return await fn(auth);
    } catch (error) {
      if (!isAuthExpired(error)) throw error;
      this.policy.log?.(`${error instanceof B2Error ? error.operation : "call"}: token refused (${(error as B2Error).code}); re-authorizing`);
      return fn(await this.session.renew(auth.token));
    }
  }

  /** One B2 JSON operation with retries; the body's undefined fields are dropped. */
  async call<T>(operation: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const clean = withFullSse(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)), operation);
    return retrying(
      this.policy,
      operation,
      () => this.withAuth((auth) => this.#attempt<T>(operation, clean, auth, signal)),
      signal,
    );
  }

  async #attempt<T>(operation: string, body: Record<string, unknown>, auth: Authorization, signal?: AbortSignal): Promise<T> {
    const attempt = new Attempt(this.options.timeoutMs, signal, this.options.closed);
    const path = `/b2api/v4/${operation}`;
    const init = { baseUrl: auth.apiUrl, headers: { Authorization: auth.token }, signal: attempt.signal };
    try {
      // The operation name is dynamic here (table-driven calls); typed calls live in the custom ops.
      const client = this.client as unknown as DynamicClient;
      const { data, error, response } = GET_OPERATIONS.has(operation)
        ? await client.GET(path, { ...init, params: { query: body } })
        : await client.POST(path, { ...init, body });
      if (!response.ok) throw await errorFromResponse(response, error, operation);
      return data as T;
    } catch (e) {
      throw e instanceof B2Error ? e : attempt.failure(e, operation);
    } finally {
      attempt.done();
    }
  }
}

type DynamicResult = Promise<{ data?: unknown; error?: unknown; response: Response }>;
interface DynamicClient {
  GET(path: string, init: object): DynamicResult;
  POST(path: string, init: object): DynamicResult;
}
