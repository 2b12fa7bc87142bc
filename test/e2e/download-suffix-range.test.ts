/**
 * Ranged downloads cut mid-body resume from the last good byte of the range actually served:
 * a suffix range (`bytes=-N`) learns its absolute start from the first answer's Content-Range,
 * and a resumed answer that does not continue exactly there is refused (ranges have no SHA-1
 * check, so exact offsets are the only guard). Also: save() to a long but valid file name.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwaitingFile, ChecksumMismatch, RangeNotSatisfiable } from "../../src/index.js";
import { partialPath } from "../../src/core/download-sinks.js";
import { scratchDir } from "../support/scratch.js";
import { clearFaults, clearJournal, client, count, failure, flavors, injectFault, journal, startLocal, uniqueName, type Server } from "./support.js";

const scratch = scratchDir("b2kit-suffix-");
const SIZE = 20_000;
const data = randomBytes(SIZE);

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

/** The range's bytes through download(), downloadIterate() and save(), each with its first GET cut halfway through the body. */
async function everyPathCutOnce(file: AwaitingFile, range: string): Promise<{ label: string; bytes: Buffer; gets: number }[]> {
  const out: { label: string; bytes: Buffer; gets: number }[] = [];
  const paths: [string, () => Promise<Buffer>][] = [
    ["download", async () => Buffer.from(await file.download({ range }))],
    [
      "downloadIterate",
      async () => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of file.downloadIterate({ range })) chunks.push(chunk);
        return Buffer.concat(chunks);
      },
    ],
    [
      "save",
      async () => {
        const target = join(mkdtempSync(join(scratch, "save-")), "out.bin");
        await file.save({ range }, target);
        return readFileSync(target);
      },
    ],
  ];
  for (const [label, run] of paths) {
    await clearJournal(server);
    await injectFault(server, { op: "b2_download_file_by_id", wire: "reset_mid_body", count: 1 });
    try {
      const bytes = await run();
      out.push({ label, bytes, gets: count(await journal(server), "b2_download_file_by_id") });
    } finally {
      await clearFaults(server);
    }
  }
  return out;
}

describe.each(flavors)("%s: a ranged download cut mid-body resumes at the right byte", (flavor) => {
  it("bytes=-15000 (suffix) of a 20,000-byte file: download, downloadIterate and save all give the last 15,000 bytes", async () => {
    const b2 = client(flavor, server, { chunkSize: 1000 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("suffix") });
      const [, file] = await bucket.upload({ fileName: "suffix.bin" }, data);
      for (const { label, bytes, gets } of await everyPathCutOnce(file, "bytes=-15000")) {
        expect({ label, gets }).toEqual({ label, gets: 2 }); // the cut GET and one resume
        expect({ label, length: bytes.length }).toEqual({ label, length: 15_000 });
        expect({ label, same: bytes.equals(data.subarray(SIZE - 15_000)) }).toEqual({ label, same: true });
      }
    } finally {
      await b2.close();
    }
  });

  it("bytes=5000- (open-ended) and bytes=3000-16999 (explicit): every path gives exactly the range's bytes", async () => {
    const b2 = client(flavor, server, { chunkSize: 1000 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("suffix") });
      const [, file] = await bucket.upload({ fileName: "open.bin" }, data);
      for (const [range, expected] of [
        ["bytes=5000-", data.subarray(5000)],
        ["bytes=3000-16999", data.subarray(3000, 17_000)],
      ] as const) {
        for (const { label, bytes, gets } of await everyPathCutOnce(file, range)) {
          expect({ range, label, gets }).toEqual({ range, label, gets: 2 });
          expect({ range, label, same: bytes.equals(expected) }).toEqual({ range, label, same: true });
        }
      }
    } finally {
      await b2.close();
    }
  });
});

describe.each(flavors)("%s: ranges of an empty file", (flavor) => {
  it("any range of a 0-byte file is RangeNotSatisfiable (416); the whole file downloads empty", async () => {
    const b2 = client(flavor, server);
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("empty-range") });
      const [, file] = await bucket.upload({ fileName: "empty.bin" }, new Uint8Array(0));
      for (const range of ["bytes=0-0", "bytes=5-10", "bytes=-5"]) {
        const error = await failure(() => file.download({ range }));
        expect(error, range).toBeInstanceOf(RangeNotSatisfiable);
      }
      expect((await file.download()).byteLength).toBe(0);
    } finally {
      await b2.close();
    }
  });
});

describe("Awaiting: a resumed answer must continue where the bytes received end", () => {
  it("a resume answered from another offset fails with ChecksumMismatch (range_mismatch), never with wrong bytes", async () => {
    // A fetch (an intermediary, say) that moves every resumed request's range 1000 bytes back.
    let downloads = 0;
    const shifting: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (!request.url.includes("b2_download_file_by_id")) return fetch(request);
      downloads++;
      const range = request.headers.get("range");
      const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
      if (downloads > 1 && m) {
        const headers = new Headers(request.headers);
        headers.set("range", `bytes=${Number(m[1]) - 1000}-${m[2] ? Number(m[2]) - 1000 : ""}`);
        return fetch(new Request(request, { headers }));
      }
      return fetch(request);
    };
    const b2 = client("Awaiting", server, { chunkSize: 1000, fetch: shifting });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("suffix") });
      const [, file] = await bucket.upload({ fileName: "shifted.bin" }, data);
      for (const range of ["bytes=-15000", "bytes=5000-", "bytes=3000-16999"]) {
        downloads = 0;
        await injectFault(server, { op: "b2_download_file_by_id", wire: "reset_mid_body", count: 1 });
        try {
          const error = await failure(() => file.download({ range }));
          expect(error).toBeInstanceOf(ChecksumMismatch);
          expect((error as ChecksumMismatch).code).toBe("range_mismatch");
          expect(downloads).toBe(2);
        } finally {
          await clearFaults(server);
        }
      }
    } finally {
      await b2.close();
    }
  });
});

describe("save()'s temporary file beside a long target name", () => {
  it("partialPath stays beside the target and within 255 bytes, cutting at a character boundary", () => {
    for (const name of ["short.bin", "n".repeat(240), "é".repeat(127), "😀".repeat(63)]) {
      const target = join(scratch, name);
      const temp = partialPath(target);
      expect(dirname(temp)).toBe(scratch);
      expect(Buffer.byteLength(basename(temp))).toBeLessThanOrEqual(255);
      expect(basename(temp)).toMatch(/^\..+\.[0-9a-f]{12}\.b2kit-partial$/);
      expect(basename(temp)).not.toContain("\uFFFD");
      expect(temp).not.toBe(partialPath(target));
    }
    expect(basename(partialPath(join(scratch, "short.bin")))).toMatch(/^\.short\.bin\.[0-9a-f]{12}\.b2kit-partial$/);
  });

  it.each(flavors)("%s: save() to a 240-character file name writes it and leaves nothing else", async (flavor) => {
    const b2 = client(flavor, server, { chunkSize: 1000 });
    try {
      const [, bucket] = await b2.createBucket({ bucketName: uniqueName("suffix") });
      const [, file] = await bucket.upload({ fileName: "long.bin" }, data);
      const dir = mkdtempSync(join(scratch, "long-"));
      const name = "n".repeat(240);
      await file.save({}, join(dir, name));
      expect(readdirSync(dir)).toEqual([name]);
      expect(readFileSync(join(dir, name)).equals(data)).toBe(true);
    } finally {
      await b2.close();
    }
  });
});
