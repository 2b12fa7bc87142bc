/** The client-wide retry budget bounds retries across calls (both hierarchies). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestAttemptsFailed } from "../../src/index.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, type Server } from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: retry budget", (flavor) => {
  it("stops retrying once the client's budget for the minute is spent", async () => {
    const b2 = client(flavor, server, { maxAttempts: 10, retryBudget: 3 });
    try {
      await b2.authorize();
      await clearJournal(server);
      await injectFault(server, { op: "b2_list_buckets", status: 503, code: "service_unavailable", count: 100 });
      const first = await failure(async () => {
        for await (const _ of b2.buckets()) void _;
      });
      expect(first).toBeInstanceOf(RequestAttemptsFailed);
      expect((first as Error).message).toContain("retry budget");
      expect(count(await journal(server), "b2_list_buckets")).toBe(4);
      // The next call gets no retry at all: one attempt, then the budget error.
      await clearJournal(server);
      await failure(async () => {
        for await (const _ of b2.buckets()) void _;
      });
      expect(count(await journal(server), "b2_list_buckets")).toBe(1);
    } finally {
      await clearFaults(server);
      await b2.close();
    }
  });
});
