/**
 * Resilience rows for the account token: the clock passing 24 h gives a real 401
 * `expired_auth_token`; injected 401s (`expired_auth_token`, `bad_auth_token`); concurrent calls
 * share one re-authorization; B2's `expire_some_account_authorization_tokens` test mode.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Unauthorized, type AwaitingBucket } from "../../src/index.js";
import {
  advanceClock,
  clearFaults,
  clearJournal,
  client,
  count,
  failure,
  flavors,
  injectFault,
  journal,
  only,
  roundTrip,
  sha1,
  startLocal,
  uniqueName,
  verifyDownload,
  type Awaiting,
  type Server,
} from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: re-authorization", (flavor) => {
  let b2: Awaiting;
  let bucket: AwaitingBucket;
  beforeAll(async () => {
    b2 = client(flavor, server);
    [, bucket] = await b2.createBucket({ bucketName: uniqueName("reauth") });
  });
  afterAll(async () => {
    await b2.close();
  });

  it("the clock passes 24 h: a real 401 expired_auth_token, one re-authorization, then success", async () => {
    await clearFaults(server);
    const data = randomBytes(900);
    const [, file] = await bucket.upload({ fileName: "before-expiry.bin" }, data);
    await advanceClock(server, 24 * 3600 + 60);
    await clearJournal(server);
    await verifyDownload(file, data);
    const entries = await journal(server);
    const first = entries[0];
    expect(first?.op).toBe("b2_download_file_by_id");
    expect([first?.status, first?.code]).toEqual([401, "expired_auth_token"]);
    expect(count(entries, "b2_authorize_account")).toBe(1);
    expect(entries[1]?.op).toBe("b2_authorize_account");
    // JSON calls and uploads work with the new token.
    await roundTrip(bucket);
    expect(entries.filter((e) => e.status === 401)).toHaveLength(1);
  });

  for (const code of ["expired_auth_token", "bad_auth_token"]) {
    it(`injected 401 ${code}: re-authorize once, replay, success`, async () => {
      await clearFaults(server);
      await b2.authorize();
      const data = randomBytes(500);
      const [model, file] = await bucket.upload({ fileName: `${code}.bin` }, data);
      await clearJournal(server);
      await injectFault(server, { op: "b2_get_file_info", status: 401, code });
      const info = await file.get();
      expect(info.contentSha1).toBe(sha1(data));
      const entries = await journal(server);
      expect(entries.map((e) => [e.op, e.status])).toEqual([
        ["b2_get_file_info", 401],
        ["b2_authorize_account", 200],
        ["b2_get_file_info", 200],
      ]);
      await verifyDownload(file, data, model.contentSha1);
      await roundTrip(bucket);
    });
  }

  it("a second 401 right after re-authorizing is reported, not looped on", async () => {
    await clearFaults(server);
    const [, file] = await bucket.upload({ fileName: "twice.bin" }, randomBytes(10));
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_file_info", status: 401, code: "expired_auth_token", count: 2 });
    const error = await failure(() => file.get());
    expect(error).toBeInstanceOf(Unauthorized);
    const entries = await journal(server);
    expect(count(entries, "b2_get_file_info")).toBe(2);
    expect(count(entries, "b2_authorize_account")).toBe(1);
    await roundTrip(bucket);
  });

  it("a 401 unauthorized (not a token problem) is not retried and does not re-authorize", async () => {
    await clearFaults(server);
    const [, file] = await bucket.upload({ fileName: "unauthorized.bin" }, randomBytes(10));
    await clearJournal(server);
    await injectFault(server, { op: "b2_get_file_info", status: 401, code: "unauthorized" });
    expect(await failure(() => file.get())).toBeInstanceOf(Unauthorized);
    const entries = await journal(server);
    expect(entries.map((e) => e.op)).toEqual(["b2_get_file_info"]);
    await roundTrip(bucket);
  });

  it("X-Bz-Test-Mode expire_some_account_authorization_tokens: every call still succeeds", async () => {
    await clearFaults(server);
    const tested = client(flavor, server, { headers: { "X-Bz-Test-Mode": "expire_some_account_authorization_tokens" } });
    try {
      const [, b] = await tested.createBucket({ bucketName: uniqueName("expsome") });
      await clearJournal(server);
      for (let i = 0; i < 4; i++) await roundTrip(b, `some-${i}.bin`);
      const names = [];
      for await (const [model] of b.fileNames()) names.push(model.fileName);
      expect(names).toEqual(["some-0.bin", "some-1.bin", "some-2.bin", "some-3.bin"]);
      const entries = await journal(server);
      const expired = entries.filter((e) => e.code === "expired_auth_token");
      expect(expired.length).toBeGreaterThan(0);
      // Every refused call was followed by a re-authorization.
      expect(count(entries, "b2_authorize_account")).toBe(expired.length);
    } finally {
      await tested.close();
    }
  });
});

describe("Awaiting: concurrent calls share one re-authorization", () => {
  it("five concurrent calls refused for an expired token cause one b2_authorize_account", async () => {
    await clearFaults(server);
    const b2 = client("Awaiting", server);
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("shared") });
      const files = [];
      for (let i = 0; i < 5; i++) files.push((await bucket.upload({ fileName: `c${i}.bin` }, randomBytes(100)))[1]);
      // The server's clock expires the token, so exactly the five requests carrying it are refused
      // (an injected fault count could also catch an early replay carrying the new token).
      await advanceClock(server, 24 * 3600 + 60);
      await clearJournal(server);
      const infos = await Promise.all(files.map((f) => f.get()));
      expect(infos.map((i) => i.fileName)).toEqual(["c0.bin", "c1.bin", "c2.bin", "c3.bin", "c4.bin"]);
      const entries = await journal(server);
      expect(count(entries, "b2_authorize_account")).toBe(1);
      const calls = only(entries, "b2_get_file_info");
      expect(calls.filter((e) => e.status === 401 && e.code === "expired_auth_token")).toHaveLength(5);
      expect(calls.filter((e) => e.status === 200)).toHaveLength(5);
      await roundTrip(bucket);
    } finally {
      await b2.close();
    }
  });
});

describe("Awaiting: a long-lived client refreshes its token before B2's 24 h end", () => {
  it("after 23.5 h the next call re-authorizes first and never sees a 401", async () => {
    await clearFaults(server);
    const b2 = client("Awaiting", server);
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("refresh") });
      const data = randomBytes(400);
      const [, file] = await bucket.upload({ fileName: "long-lived.bin" }, data);
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() + 23.5 * 3600 * 1000);
      await advanceClock(server, 23.5 * 3600);
      await clearJournal(server);
      const info = await file.get();
      expect(info.contentSha1).toBe(sha1(data));
      const entries = await journal(server);
      expect(entries.map((e) => [e.op, e.status])).toEqual([
        ["b2_authorize_account", 200],
        ["b2_get_file_info", 200],
      ]);
      await verifyDownload(file, data);
    } finally {
      vi.useRealTimers();
      await b2.close();
    }
  });
});
