import { describe, expect, it } from "vitest";
import { Session } from "./support.js";

describe("network profile (startServer shape)", () => {
  it("adds latency per request and caps throughput in both directions", async () => {
    const s = await Session.start({ shape: { latencyMs: 150, bytesPerSec: 500_000 } });
    try {
      const b = await s.bucket();
      let t0 = performance.now();
      const f = await s.uploaded(b.bucketId, "shaped.bin", Buffer.alloc(400_000, 3));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(700);
      t0 = performance.now();
      expect((await s.call("b2_list_buckets", { accountId: s.accountId })).status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      t0 = performance.now();
      const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${f.fileId}`);
      expect(d.bytes.length).toBe(400_000);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(700);
    } finally {
      await s.close();
    }
  });
});
