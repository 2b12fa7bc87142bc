/**
 * Account authorization: the one place that holds the application key and the account token.
 * Authorizes on demand, shares one re-authorization among concurrent callers, and refreshes the
 * token before B2's 24 h limit. Secrets live in private fields and never print.
 */
import { inspect } from "node:util";
import { AuthorizeRequired, B2Error } from "../errors.js";
import type { AuthModel } from "../models.js";
import type { ResolvedOptions } from "../options.js";
import { Attempt, errorFromResponse, type ApiClient } from "./http.js";
import { retrying, type RetryPolicy } from "./retry.js";

/** Tokens are valid for 24 h; refresh an hour early. */
const TOKEN_REFRESH_MS = 23 * 3600 * 1000;

export interface Authorization {
  readonly token: string;
  readonly accountId: string;
  readonly apiUrl: string;
  readonly downloadUrl: string;
  readonly recommendedPartSize: number;
  readonly absoluteMinimumPartSize: number;
  readonly model: AuthModel;
  readonly obtainedAt: number;
}

export class Session {
  readonly #keyId: string;
  readonly #key: string;
  readonly #client: ApiClient;
  readonly #options: ResolvedOptions;
  readonly #policy: RetryPolicy;
  #current: Authorization | undefined;
  #pending: Promise<Authorization> | undefined;

  constructor(keyId: string, key: string, client: ApiClient, options: ResolvedOptions, policy: RetryPolicy) {
    this.#keyId = keyId;
    this.#key = key;
    this.#client = client;
    this.#options = options;
    this.#policy = policy;
  }

  /** The current authorization, authorizing first when there is none or it is near its end. */
  async get(): Promise<Authorization> {
    const current = this.#current;
    if (current && Date.now() - current.obtainedAt < TOKEN_REFRESH_MS) return current;
    return this.#authorizeShared();
  }

  /** Re-authorizes after `stale` was refused; concurrent callers share one request. */
  async renew(stale: string): Promise<Authorization> {
    if (this.#current && this.#current.token !== stale) return this.#current;
    this.#current = undefined;
    return this.#authorizeShared();
  }

  async authorize(): Promise<Authorization> {
    this.#current = undefined;
    return this.#authorizeShared();
  }

  #authorizeShared(): Promise<Authorization> {
    this.#pending ??= this.#authorizeOnce().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #authorizeOnce(): Promise<Authorization> {
    if (!this.#keyId || !this.#key) {
      throw new AuthorizeRequired({ status: 0, code: "missing_credentials", message: "an application key id and key are required", operation: "b2_authorize_account" });
    }
    const basic = Buffer.from(`${this.#keyId}:${this.#key}`).toString("base64");
    const model = await retrying(this.#policy, "b2_authorize_account", async () => {
      const attempt = new Attempt(this.#options.timeoutMs, undefined, this.#options.closed);
      try {
        const { data, error, response } = await this.#client.GET("/b2api/v4/b2_authorize_account", {
          baseUrl: this.#options.authUrl,
          headers: { Authorization: `Basic ${basic}` },
          signal: attempt.signal,
        });
        if (!response.ok || !data) throw await errorFromResponse(response, error, "b2_authorize_account");
        return data as AuthModel;
      } catch (e) {
        throw e instanceof B2Error ? e : attempt.failure(e, "b2_authorize_account");
      } finally {
        attempt.done();
      }
    });
    const storage = model.apiInfo.storageApi;
    this.#current = {
      token: model.authorizationToken,
      accountId: model.accountId,
      apiUrl: storage.apiUrl.replace(/\/+$/, ""),
      downloadUrl: storage.downloadUrl.replace(/\/+$/, ""),
      recommendedPartSize: storage.recommendedPartSize,
      absoluteMinimumPartSize: storage.absoluteMinimumPartSize,
      model,
      obtainedAt: Date.now(),
    };
    return this.#current;
  }

  [inspect.custom](): string {
    return `Session { keyId: ${JSON.stringify(this.#keyId)}, authorized: ${this.#current !== undefined} }`;
  }

  toJSON(): object {
    return { keyId: this.#keyId, authorized: this.#current !== undefined };
  }
}
