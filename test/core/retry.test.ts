import { describe, expect, it } from "vitest";
import { BadRequest, RequestAttemptsFailed, ServiceUnavailable, TooManyRequests, Unauthorized } from "../../src/errors.js";
import { backoffMs, isAuthExpired, isRetryable, retrying, RetryBudget, type RetryPolicy } from "../../src/core/retry.js";
import { throttledProgress } from "../../src/core/progress.js";
import { planRanges } from "../../src/core/download-ranges.js";

function policy(maxAttempts: number): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { maxAttempts, initialMs: 1000, maxMs: 64_000, waits, sleep: async (ms) => void waits.push(ms) };
}
const unavailable = (retryAfter?: number): ServiceUnavailable =>
  new ServiceUnavailable({ status: 503, code: "service_unavailable", message: "busy", retryAfter });

describe("retry rules", () => {
  it("classifies 408, 429, 5xx and status 0 as retryable; other 4xx not", () => {
    expect(isRetryable(unavailable())).toBe(true);
    expect(isRetryable(new TooManyRequests({ status: 429, code: "too_many_requests", message: "" }))).toBe(true);
    expect(isRetryable(new BadRequest({ status: 400, code: "bad_request", message: "" }))).toBe(false);
    expect(isRetryable(new Unauthorized({ status: 401, code: "unauthorized", message: "" }))).toBe(false);
    expect(isAuthExpired(new Unauthorized({ status: 401, code: "expired_auth_token", message: "" }))).toBe(true);
    expect(isAuthExpired(new Unauthorized({ status: 401, code: "unauthorized", message: "" }))).toBe(false);
  });
  it("backs off exponentially from about 1 s, with jitter, capped", () => {
    const p = policy(10);
    const first = backoffMs(1, p);
    expect(first).toBeGreaterThanOrEqual(750);
    expect(first).toBeLessThanOrEqual(1250);
    expect(backoffMs(3, p)).toBeGreaterThanOrEqual(2250 * 0.75);
    expect(backoffMs(40, p)).toBeLessThanOrEqual(64_000 * 1.25);
  });
  it("honours Retry-After", () => expect(backoffMs(1, policy(3), 2)).toBe(2000));
  it("retries until success and waits between attempts", async () => {
    const p = policy(5);
    let calls = 0;
    const result = await retrying(p, "b2_list_buckets", async () => {
      calls++;
      if (calls < 3) throw unavailable(calls === 2 ? 2 : undefined);
      return "ok";
    });
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(p.waits).toHaveLength(2);
    expect(p.waits[1]).toBe(2000);
  });
  it("never retries a non-retryable error", async () => {
    const p = policy(5);
    let calls = 0;
    await expect(retrying(p, "op", async () => {
      calls++;
      throw new BadRequest({ status: 400, code: "bad_request", message: "no" });
    })).rejects.toBeInstanceOf(BadRequest);
    expect(calls).toBe(1);
  });
  it("ends with RequestAttemptsFailed carrying the last error as cause", async () => {
    const p = policy(3);
    const last = unavailable();
    const error = await retrying(p, "b2_get_upload_url", async () => {
      throw last;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestAttemptsFailed);
    expect((error as RequestAttemptsFailed).cause).toBe(last);
    expect((error as RequestAttemptsFailed).status).toBe(503);
  });
});

describe("progress throttling", () => {
  it("emits the first and last events and drops bursts in between", () => {
    const events: number[] = [];
    const sink = throttledProgress((e) => events.push(e.bytes), 10_000);
    for (let b = 0; b <= 100; b += 10) sink(b, 100);
    expect(events).toEqual([0, 100]);
  });
  it("is monotone and never repeats a byte count", () => {
    const events: number[] = [];
    const sink = throttledProgress((e) => events.push(e.bytes), 0);
    for (const b of [0, 5, 5, 9, 9, 12]) sink(b, 12);
    expect(events).toEqual([0, 5, 9, 12]);
  });
});

describe("the client's retry budget", () => {
  it("allows N retries per rolling minute, all calls together", () => {
    let t = 0;
    const budget = new RetryBudget(2, () => t);
    expect([budget.spend(), budget.spend(), budget.spend()]).toEqual([true, true, false]);
    t = 60_001;
    expect(budget.spend()).toBe(true);
  });
  it("stops a call's retries when the budget is spent, with the last error as cause", async () => {
    const p = { ...policy(10), budget: new RetryBudget(1) };
    let calls = 0;
    const error = await retrying(p, "b2_list_buckets", async () => {
      calls++;
      throw unavailable();
    }).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(RequestAttemptsFailed);
    expect((error as Error).message).toContain("retry budget");
    expect((error as RequestAttemptsFailed).cause).toBeInstanceOf(ServiceUnavailable);
  });
});

describe("parallel download ranges", () => {
  const sizes = (r: [number, number][]): number[] => r.map(([a, b]) => b - a + 1);
  it("cover the rest of the file exactly, contiguously, after the first answer", () => {
    const r = planRanges(10_000_000, 5000, 1000, 4, 1 << 20);
    expect(r[0]?.[0]).toBe(5000);
    expect(r.at(-1)?.[1]).toBe(9_999_999);
    for (let i = 1; i < r.length; i++) expect(r[i]?.[0]).toBe((r[i - 1]?.[1] ?? 0) + 1);
  });
  it("are equal, a multiple of the lanes in number, at most the cap", () => {
    const r = planRanges(1 << 30, 5_000_024, 5_000_024, 4, 64 << 20);
    expect(r.length % 4).toBe(0);
    expect(Math.max(...sizes(r))).toBeLessThanOrEqual(64 << 20);
    expect(Math.max(...sizes(r)) - Math.min(...sizes(r))).toBeLessThan(r.length);
  });
  it("stay at least the chunk size: fewer ranges than lanes rather than tiny ones", () => {
    expect(sizes(planRanges(7000, 1000, 1000, 4, 1 << 20))).toEqual([1500, 1500, 1500, 1500]);
    expect(sizes(planRanges(3500, 1000, 1000, 4, 1 << 20))).toEqual([1250, 1250]);
    expect(sizes(planRanges(1500, 1000, 1000, 4, 1 << 20))).toEqual([500]);
    expect(planRanges(1000, 1000, 1000, 4, 1 << 20)).toEqual([]);
  });
});
