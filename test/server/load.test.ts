/** Concurrent clients mixing uploads, large files, listings, downloads and deletes: nothing fails, nothing is lost. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

let s: Session;
beforeAll(async () => {
  s = await Session.start({ limits: { minPartSize: 1000 } });
});
afterAll(() => s.close());

describe("load", () => {
  it("24 concurrent clients for a bounded run keep every acknowledged file intact", async () => {
    const bucket = await s.bucket();
    const kept = new Map<string, string>();
    const deadline = Date.now() + 8000;
    const client = async (id: number): Promise<number> => {
      let ops = 0;
      for (let i = 0; Date.now() < deadline && i < 40; i++, ops++) {
        const name = `c${id}/f${i}`;
        const roll = i % 5;
        if (roll === 0 || roll === 1) {
          const data = randomBytes(1 + ((id * 7919 + i * 104729) % 200_000));
          const f = await s.uploaded(bucket.bucketId, name, data);
          expect(f.contentSha1).toBe(sha1(data));
          kept.set(f.fileId, sha1(data));
        } else if (roll === 2) {
          const start = await s.ok("b2_start_large_file", { bucketId: bucket.bucketId, fileName: name, contentType: "application/octet-stream" });
          const parts = [randomBytes(1500), randomBytes(700)];
          for (const [n, p] of parts.entries()) {
            const u = await s.ok("b2_get_upload_part_url", { fileId: start.fileId });
            const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": String(n + 1), "x-bz-content-sha1": sha1(p) }, body: p });
            expect(r.status).toBe(200);
            await r.arrayBuffer();
          }
          await s.ok("b2_finish_large_file", { fileId: start.fileId, partSha1Array: parts.map((p) => sha1(p)) });
          kept.set(start.fileId, sha1(Buffer.concat(parts)));
        } else if (roll === 3) {
          await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: `c${id}/`, maxFileCount: 3 });
          const all = [...kept.entries()];
          const mine = all[(id * 31 + i) % Math.max(1, all.length)];
          if (mine) {
            const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${mine[0]}`);
            expect(d.status).toBe(200);
            expect(sha1(d.bytes)).toBe(mine[1]);
          }
        } else {
          const victim = await s.uploaded(bucket.bucketId, `${name}-tmp`, "temporary");
          await s.ok("b2_delete_file_version", { fileName: victim.fileName, fileId: victim.fileId });
        }
      }
      return ops;
    };
    const counts = await Promise.all(Array.from({ length: 24 }, (_, id) => client(id)));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    for (const [fileId, digest] of kept) {
      const d = await s.download(`/b2api/v4/b2_download_file_by_id?fileId=${fileId}`);
      expect(d.status).toBe(200);
      expect(sha1(d.bytes)).toBe(digest);
    }
    const versions = await s.ok("b2_list_file_versions", { bucketId: bucket.bucketId, maxFileCount: 10_000 });
    expect(versions.files.filter((f: any) => f.fileName.endsWith("-tmp"))).toEqual([]);
  });
});
