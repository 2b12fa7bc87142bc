/** The logger option reports retries in both hierarchies (Blocking delivers the lines on the caller's thread). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, clearFaults, flavors, injectFault, startLocal, type Server } from "./support.js";

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

describe.each(flavors)("%s: logger", (flavor) => {
  it("receives a line for a retried call", async () => {
    const lines: string[] = [];
    const b2 = client(flavor, server, { logger: (line) => lines.push(line) });
    try {
      await injectFault(server, { op: "b2_list_buckets", status: 503, code: "service_unavailable", count: 1 });
      const names = [];
      for await (const [model] of b2.buckets()) names.push(model.bucketName);
      expect(lines.some((l) => l.includes("b2_list_buckets") && l.includes("503"))).toBe(true);
    } finally {
      await clearFaults(server);
      await b2.close();
    }
  });
});
