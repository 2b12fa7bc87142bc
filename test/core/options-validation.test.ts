/**
 * Client options are checked when a client is constructed: a bad number fails there with a
 * ValidationError naming the option and its value, not later as an unrelated transfer error.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { Awaiting, Blocking, type ClientOptions } from "../../src/index.js";
import { resolveOptions } from "../../src/options.js";

// Nothing is ever sent: construction makes no request (and a Blocking client starts no worker).
const AUTH = { authUrl: "http://127.0.0.1:9" };

const bad: [option: string, options: ClientOptions, shown: string][] = [
  ["chunkSize", { chunkSize: Number.NaN }, "NaN"],
  ["chunkSize", { chunkSize: 0 }, "0"],
  ["chunkSize", { chunkSize: -1000 }, "-1000"],
  ["chunkSize", { chunkSize: 1000.5 }, "1000.5"],
  ["chunkSize", { chunkSize: Infinity }, "Infinity"],
  ["chunkSize", { chunkSize: 5_000_000_001 }, "5000000001"],
  ["chunkSize", { chunkSize: "1000" as unknown as number }, '"1000"'],
  ["concurrency", { concurrency: Number.NaN }, "NaN"],
  ["concurrency", { concurrency: 0 }, "0"],
  ["concurrency", { concurrency: 2.5 }, "2.5"],
  ["timeout", { timeout: 0 }, "0"],
  ["timeout", { timeout: -5 }, "-5"],
  ["timeout", { timeout: Number.NaN }, "NaN"],
  ["timeout", { timeout: Infinity }, "Infinity"],
  ["timeout", { timeout: 3_000_000 }, "3000000"], // beyond Node's timer limit: would fire at once
  ["maxAttempts", { maxAttempts: 0 }, "0"],
  ["maxAttempts", { maxAttempts: Number.NaN }, "NaN"],
  ["maxAttempts", { maxAttempts: 1.5 }, "1.5"],
  ["retryBudget", { retryBudget: -1 }, "-1"],
  ["retryBudget", { retryBudget: Number.NaN }, "NaN"],
  ["callTimeout", { callTimeout: 0 }, "0"],
  ["callTimeout", { callTimeout: Number.NaN }, "NaN"],
  ["backoff.initial", { backoff: { initial: -1 } }, "-1"],
  ["backoff.initial", { backoff: { initial: Number.NaN } }, "NaN"],
  ["backoff.max", { backoff: { max: Infinity } }, "Infinity"],
  ["backoff", { backoff: 5 as unknown as { initial?: number } }, "5"],
];

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("client options are validated at construction", () => {
  for (const [flavor, make] of [
    ["Awaiting", (o: ClientOptions) => new Awaiting("id", "key", { ...AUTH, ...o })],
    ["Blocking", (o: ClientOptions) => new Blocking("id", "key", { ...AUTH, ...o })],
  ] as const) {
    it(`${flavor}: each bad numeric option throws a ValidationError naming the option and the value`, () => {
      for (const [option, options, shown] of bad) {
        const e = thrownBy(() => make(options));
        expect(e, `${option}: ${shown}`).toBeInstanceOf(ValidationError);
        const message = (e as ValidationError).message;
        expect(message).toContain(`option ${option}: ${shown} `);
        expect((e as ValidationError).status).toBe(400);
        expect((e as ValidationError).code).toBe("invalid_input");
      }
    });
  }

  it("resolveOptions itself refuses them (the core both clients run)", () => {
    for (const [option, options] of bad) expect(() => resolveOptions(options), option).toThrow(ValidationError);
  });

  it("no longer clamps silently: maxAttempts 0 and a negative retryBudget are errors, not 1 and 0", () => {
    expect(() => resolveOptions({ maxAttempts: 0 })).toThrow(/maxAttempts: 0/);
    expect(() => resolveOptions({ retryBudget: -3 })).toThrow(/retryBudget: -3/);
    expect(() => resolveOptions({ concurrency: -1 })).toThrow(/concurrency: -1/);
  });

  it("boundaries: accepts the values the defaults, docs and tests use, and refuses the ones just past them", () => {
    const good: ClientOptions[] = [
      {},
      { chunkSize: 1000, concurrency: 1, timeout: 0.5, maxAttempts: 1, retryBudget: 0 },
      { chunkSize: 5_000_000_000, concurrency: 16, timeout: 120, maxAttempts: 10, retryBudget: Infinity },
      { chunkSize: 1, callTimeout: 0.25, backoff: { initial: 0, max: 0 } },
      { backoff: {}, timeout: undefined, chunkSize: undefined } as unknown as ClientOptions,
    ];
    for (const o of good) {
      expect(() => resolveOptions(o)).not.toThrow();
      void new Awaiting("id", "key", { ...AUTH, ...o }).close();
      new Blocking("id", "key", { ...AUTH, ...o }).close();
    }
    const r = resolveOptions({ chunkSize: 1000, timeout: 0.5, maxAttempts: 1, retryBudget: 0, concurrency: 3 });
    expect([r.chunkSize, r.timeoutMs, r.maxAttempts, r.retryBudget, r.concurrency]).toEqual([1000, 500, 1, 0, 3]);
    const justPast: ClientOptions[] = [
      { chunkSize: 0 },
      { chunkSize: 5_000_000_001 },
      { concurrency: 0 },
      { timeout: 0 },
      { timeout: 2_147_484 },
      { maxAttempts: 0 },
      { retryBudget: -1 },
      { backoff: { initial: -0.001 } },
    ];
    for (const o of justPast) expect(() => resolveOptions(o), JSON.stringify(o)).toThrow(ValidationError);
  });
});

describe("authUrl", () => {
  const secret = "hunter2-proxy-pw";
  for (const [flavor, make] of [
    ["Awaiting", (o: ClientOptions) => new Awaiting("id", "key", o)],
    ["Blocking", (o: ClientOptions) => new Blocking("id", "key", o)],
  ] as const) {
    it(`${flavor}: a URL carrying user:password@, or not http(s), is refused at construction without quoting it`, () => {
      for (const authUrl of [`http://proxyuser:${secret}@127.0.0.1:9`, `ftp://${secret}.example`, `not a url ${secret}`]) {
        const e = thrownBy(() => make({ authUrl }));
        expect(e, authUrl).toBeInstanceOf(ValidationError);
        expect((e as Error).message).not.toContain(secret);
        expect((e as Error).message).toMatch(/authUrl/);
      }
    });
  }

  it("B2_AUTH_URL with credentials is refused the same way, before any request", () => {
    const before = process.env["B2_AUTH_URL"];
    process.env["B2_AUTH_URL"] = `http://u:${secret}@127.0.0.1:9`;
    try {
      const e = thrownBy(() => resolveOptions({}));
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as Error).message).toMatch(/B2_AUTH_URL/);
      expect((e as Error).message).not.toContain(secret);
    } finally {
      if (before === undefined) delete process.env["B2_AUTH_URL"];
      else process.env["B2_AUTH_URL"] = before;
    }
  });
});

describe("Awaiting-only options", () => {
  it("Blocking refuses a custom fetch (it could not run in the worker; dropping it would bypass a test's mock)", () => {
    const e = thrownBy(() => new Blocking("id", "key", { ...AUTH, fetch: (() => Promise.reject(new Error("used"))) as typeof fetch }));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toMatch(/fetch.*Awaiting-only/);
  });
});
