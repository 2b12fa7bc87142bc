/**
 * The mixed SDK workload shared by the load test and bench/server-load.ts: `clients` Awaiting
 * clients, each looping until the deadline over uploads, multi-part large files, listings,
 * downloads (checked) and deletes, with a seeded PRNG so a run can be repeated.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Awaiting, RequestAttemptsFailed, type AwaitingBucket } from "../../src/index.js";

export interface LoadOptions {
  url: string;
  keyId: string;
  key: string;
  clients: number;
  seconds: number;
  seed: number;
  /** Largest small upload in bytes (default 64 KiB). */
  maxSmall?: number;
  /** Size of each multi-part file (default 6,000 bytes with the server's 1,000-byte minimum part). */
  largeSize?: number;
  /** SDK part size (default 1,000). */
  chunkSize?: number;
}

export interface LoadResult {
  bucketId: string;
  /** Acknowledged, not deleted: fileId → name and SHA-1. */
  kept: Map<string, { name: string; sha1: string }>;
  deleted: Set<string>;
  /** Calls that failed unexpectedly. */
  failures: string[];
  /**
   * Uploads under `fail_some_uploads` whose five upload URLs all drew the test mode's 503: B2's
   * rule is to give up then, so these are expected (and their files are not acknowledged).
   */
  testModeGiveUps: number;
  operations: number;
  bytesUp: number;
  bytesDown: number;
  elapsedMs: number;
  sha1: (data: Uint8Array) => string;
}

const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");

/** mulberry32: small, seeded, good enough to pick operations and sizes. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(random: () => number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) {
    const v = (random() * 2 ** 32) >>> 0;
    out[i] = v & 255;
    if (i + 1 < size) out[i + 1] = (v >>> 8) & 255;
    if (i + 2 < size) out[i + 2] = (v >>> 16) & 255;
    if (i + 3 < size) out[i + 3] = v >>> 24;
  }
  return out;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { clients, seconds, seed, maxSmall = 64 * 1024, largeSize = 6000, chunkSize = 1000 } = options;
  const scratch = mkdtempSync(join(tmpdir(), "b2kit-load-"));
  const admin = new Awaiting(options.keyId, options.key, { authUrl: options.url });
  const [bucketModel] = await admin.createBucket({ bucketName: `load-${seed}-${Date.now().toString(36)}` });
  await admin.close();
  const result: LoadResult = {
    bucketId: bucketModel.bucketId,
    kept: new Map(),
    deleted: new Set(),
    failures: [],
    testModeGiveUps: 0,
    operations: 0,
    bytesUp: 0,
    bytesDown: 0,
    elapsedMs: 0,
    sha1,
  };
  const started = Date.now();
  const deadline = started + seconds * 1000;

  const worker = async (id: number): Promise<void> => {
    const random = prng(seed * 1000 + id);
    const headers: Record<string, string> = id % 3 === 0 ? { "X-Bz-Test-Mode": "fail_some_uploads" } : {};
    const b2 = new Awaiting(options.keyId, options.key, { authUrl: options.url, chunkSize, concurrency: 3, headers, backoff: { initial: 0.01, max: 0.1 } });
    const bucket: AwaitingBucket = b2.bucket(result.bucketId);
    const mine: { fileId: string; name: string; sha1: string }[] = [];
    try {
      for (let n = 0; Date.now() < deadline; n++) {
        const roll = random();
        const step = `client ${id} op ${n}`;
        try {
          if (roll < 0.4 || mine.length === 0) {
            const data = bytes(random, 1 + Math.floor(random() * maxSmall));
            const name = `c${id}/small-${n}.bin`;
            const [model] = await bucket.upload({ fileName: name }, data);
            if (model.contentSha1 !== sha1(data)) throw new Error(`${name}: SHA-1 ${model.contentSha1}`);
            mine.push({ fileId: model.fileId as string, name, sha1: sha1(data) });
            result.bytesUp += data.byteLength;
          } else if (roll < 0.5) {
            const data = bytes(random, largeSize + Math.floor(random() * chunkSize));
            const name = `c${id}/large-${n}.bin`;
            const path = join(scratch, `${id}-${n}.bin`);
            writeFileSync(path, data);
            const [model] = await bucket.uploadFile({ fileName: name }, path);
            rmSync(path);
            if (model.fileInfo["large_file_sha1"] !== sha1(data)) throw new Error(`${name}: large_file_sha1 ${model.fileInfo["large_file_sha1"]}`);
            mine.push({ fileId: model.fileId as string, name, sha1: sha1(data) });
            result.bytesUp += data.byteLength;
          } else if (roll < 0.75) {
            const pick = mine[Math.floor(random() * mine.length)] as (typeof mine)[number];
            const back = await b2.file(pick.fileId).download();
            if (sha1(back) !== pick.sha1) throw new Error(`${pick.name}: downloaded SHA-1 differs`);
            result.bytesDown += back.byteLength;
          } else if (roll < 0.9) {
            let seen = 0;
            for await (const [model] of bucket.fileNames({ prefix: `c${id}/`, maxFileCount: 1 + Math.floor(random() * 20) })) {
              if (!model.fileName.startsWith(`c${id}/`)) throw new Error(`listing with prefix c${id}/ returned ${model.fileName}`);
              seen++;
            }
            if (seen < new Set(mine.map((f) => f.name)).size) throw new Error(`listing found ${seen} of ${mine.length} names`);
          } else {
            const index = Math.floor(random() * mine.length);
            const victim = mine[index] as (typeof mine)[number];
            await b2.file(victim.fileId).delete(victim.name);
            mine.splice(index, 1);
            result.deleted.add(victim.fileId);
          }
          result.operations++;
        } catch (error) {
          const cause = error instanceof RequestAttemptsFailed ? error.cause : undefined;
          if (headers["X-Bz-Test-Mode"] && cause instanceof Error && /test mode fail_some_uploads/.test(cause.message)) {
            result.testModeGiveUps++;
            continue;
          }
          result.failures.push(`${step}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      for (const f of mine) result.kept.set(f.fileId, { name: f.name, sha1: f.sha1 });
      await b2.close();
    }
  };

  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  result.elapsedMs = Date.now() - started;
  rmSync(scratch, { recursive: true, force: true });
  return result;
}
