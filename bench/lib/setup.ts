/** Bench fixtures: a random data file, the bench buckets, a bucket of many names, a file to download, clean-up. */
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { LocalB2Server } from "../../src/server/index.js";
import { onLanes } from "./lanes.js";
import { authorize, call, uploadFile, type Auth, type UploadUrl } from "./raw-b2.js";

/** Writes `bytes` random bytes to `path` and returns their SHA-1. */
export async function makeDataFile(path: string, bytes: number): Promise<string> {
  const hash = createHash("sha1");
  const block = Buffer.allocUnsafe(16 << 20);
  const file = await open(path, "w");
  try {
    for (let done = 0; done < bytes;) {
      const n = Math.min(block.length, bytes - done);
      randomFillSync(block, 0, n);
      hash.update(block.subarray(0, n));
      await file.write(block, 0, n, done);
      done += n;
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex");
}

export async function login(server: LocalB2Server): Promise<Auth> {
  return authorize(server.url, server.keyId, server.key);
}

export async function bucket(auth: Auth, name: string): Promise<{ bucketId: string; bucketName: string }> {
  const { buckets } = await call<{ buckets: { bucketId: string; bucketName: string }[] }>(auth, "b2_list_buckets", {
    accountId: auth.accountId,
    bucketName: name,
  });
  return (
    buckets[0] ??
    call(auth, "b2_create_bucket", { accountId: auth.accountId, bucketName: name, bucketType: "allPrivate" })
  );
}

/** Fills a bucket with `count` empty files on 8 lanes. */
export async function populate(auth: Auth, bucketId: string, count: number): Promise<void> {
  const urls: UploadUrl[] = [];
  const empty = Buffer.alloc(0);
  const sha1 = createHash("sha1").digest("hex");
  await onLanes(8, count, async (i, lane) => {
    urls[lane] ??= await call<UploadUrl>(auth, "b2_get_upload_url", { bucketId });
    await uploadFile(urls[lane] as UploadUrl, `names/${String(i).padStart(7, "0")}`, sha1, 0, empty);
  });
}

export async function uploadSource(
  auth: Auth,
  bucketId: string,
  path: string,
  size: number,
  sha1: string,
): Promise<string> {
  const url = await call<UploadUrl>(auth, "b2_get_upload_url", { bucketId });
  return (await uploadFile(url, "source/large", sha1, size, createReadStream(path, { highWaterMark: 1 << 20 }))).fileId;
}

/** Deletes every version under `prefix` (uploads pile up in the server's store otherwise). */
export async function deleteAll(auth: Auth, bucketId: string, prefix: string): Promise<void> {
  for (;;) {
    const { files } = await call<{ files: { fileId: string; fileName: string }[] }>(auth, "b2_list_file_versions", {
      bucketId,
      prefix,
      maxFileCount: 1000,
    });
    if (files.length === 0) return;
    await onLanes(4, files.length, async (i) => {
      const f = files[i] as { fileId: string; fileName: string };
      await call(auth, "b2_delete_file_version", { fileId: f.fileId, fileName: f.fileName });
    });
  }
}

/** Unfinished large files left by a failed job would also hold space. */
export async function cancelUnfinished(auth: Auth, bucketId: string): Promise<void> {
  const { files } = await call<{ files: { fileId: string }[] }>(auth, "b2_list_unfinished_large_files", {
    bucketId,
    maxFileCount: 100,
  });
  for (const f of files) await call(auth, "b2_cancel_large_file", { fileId: f.fileId });
}
