import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "./support.js";

let s: Session;
beforeAll(async () => {
  s = await Session.start();
});
afterAll(() => s.close());

const names = async (bucketId: string, op = "b2_list_file_versions"): Promise<string[]> =>
  (await s.ok(op, { bucketId })).files.map((f: any) => `${f.fileName}:${f.action}`);

describe("lifecycle rules applied as the clock moves", () => {
  it("hide after upload, delete after hiding, cancel unfinished large files; files outside the rules stay", async () => {
    const b = await s.bucket(undefined, {
      lifecycleRules: [
        { fileNamePrefix: "logs/", daysFromUploadingToHiding: 1, daysFromHidingToDeleting: 1 },
        { fileNamePrefix: "big/", daysFromStartingToCancelingUnfinishedLargeFiles: 1 },
      ],
    });
    await s.uploaded(b.bucketId, "logs/a.txt", "a");
    await s.uploaded(b.bucketId, "keep/b.txt", "b");
    await s.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: "big/x", contentType: "text/plain" });
    await s.server.control.advanceClock(3600);
    expect(await names(b.bucketId)).toEqual(["big/x:start", "keep/b.txt:upload", "logs/a.txt:upload"]);

    await s.server.control.advanceClock(86_400);
    await s.login();
    expect(await names(b.bucketId)).toEqual(["keep/b.txt:upload", "logs/a.txt:hide", "logs/a.txt:upload"]);
    expect(await names(b.bucketId, "b2_list_file_names")).toEqual(["keep/b.txt:upload"]);

    await s.server.control.advanceClock(86_400 + 60);
    await s.login();
    expect(await names(b.bucketId)).toEqual(["keep/b.txt:upload"]);
  });
});
