/**
 * One sample call per row of the operation table, written once and run through both
 * hierarchies against the Prism mock. `target` picks the handle from a client; `args` are the
 * method's arguments (spec-valid, so Prism accepts them).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../support/scratch.js";

export const BUCKET_ID = "4a48fe8875c6214145260818";
export const FILE_ID = "4_z4a48fe8875c6214145260818_f1000000000000001_d20240101_m000000_c002_v0001000_t0000";
export const KEY_ID = "002a48fe8875c620000000003";

const scratch = scratchDir("b2kit-contract-");
export const smallFile = join(scratch, "small.txt");
writeFileSync(smallFile, "hello, contract test\n");
export const savePath = (tag: string): string => join(scratch, `saved-${tag}.bin`);

/** Anything with the client's handle factories (both hierarchies qualify). */
export interface HandleFactories {
  bucket(bucketId: string): unknown;
  file(fileId: string): unknown;
  key(keyId: string): unknown;
}

export interface Scenario {
  /** `${class}.${method}` as in generated/operations.ts. */
  op: string;
  target: (client: HandleFactories) => unknown;
  args: (tag: string) => unknown[];
}

const client = (c: HandleFactories): unknown => c;
const bucket = (c: HandleFactories): unknown => c.bucket(BUCKET_ID);
const file = (c: HandleFactories): unknown => c.file(FILE_ID);
const key = (c: HandleFactories): unknown => c.key(KEY_ID);
const parts = (c: HandleFactories): unknown => (c.file(FILE_ID) as { parts(n?: number): unknown }).parts(0);

export const scenarios: Scenario[] = [
  { op: "Client.authorize", target: client, args: () => [] },
  { op: "Client.bucket", target: client, args: () => [BUCKET_ID] },
  { op: "Client.buckets", target: client, args: () => [["all"]] },
  { op: "Client.createBucket", target: client, args: () => [{ bucketName: "contract-test-bucket", bucketType: "allPrivate" }] },
  { op: "Client.createKey", target: client, args: () => [{ keyName: "contract-key", capabilities: ["listFiles", "readFiles"] }] },
  { op: "Client.downloadByName", target: client, args: () => ["contract-test-bucket", "hello.txt"] },
  { op: "Client.file", target: client, args: () => [FILE_ID] },
  { op: "Client.key", target: client, args: () => [KEY_ID] },
  { op: "Client.keys", target: client, args: () => [10] },
  { op: "Key.delete", target: key, args: () => [] },
  { op: "Bucket.createPart", target: bucket, args: () => [{ fileName: "big.bin", contentType: "application/octet-stream" }] },
  { op: "Bucket.delete", target: bucket, args: () => [] },
  { op: "Bucket.downloadAuthorization", target: bucket, args: () => [{ fileNamePrefix: "public/", validDurationInSeconds: 3600 }] },
  { op: "Bucket.file", target: bucket, args: () => [FILE_ID] },
  { op: "Bucket.fileNames", target: bucket, args: () => [{ prefix: "photos/", maxFileCount: 100 }] },
  { op: "Bucket.fileVersions", target: bucket, args: () => [{ maxFileCount: 100 }] },
  { op: "Bucket.hide", target: bucket, args: () => ["old/report.pdf"] },
  { op: "Bucket.notificationRules", target: bucket, args: () => [] },
  { op: "Bucket.setNotificationRules", target: bucket, args: () => [[]] },
  { op: "Bucket.unfinishedFiles", target: bucket, args: () => [{ maxFileCount: 10 }] },
  { op: "Bucket.update", target: bucket, args: () => [{ bucketType: "allPublic" }] },
  { op: "Bucket.upload", target: bucket, args: () => [{ fileName: "hello.txt", contentType: "text/plain" }, new TextEncoder().encode("hello")] },
  { op: "Bucket.uploadFile", target: bucket, args: () => [{ fileName: "small.txt" }, smallFile] },
  { op: "Bucket.uploadStream", target: bucket, args: () => [{ fileName: "stream.txt" }, [new TextEncoder().encode("streamed "), new TextEncoder().encode("bytes")]] },
  { op: "Bucket.uploadUrl", target: bucket, args: () => [] },
  { op: "File.cancel", target: file, args: () => [] },
  { op: "File.copy", target: file, args: () => [{ fileName: "copy.txt" }] },
  { op: "File.delete", target: file, args: () => ["hello.txt"] },
  { op: "File.download", target: file, args: () => [] },
  { op: "File.downloadIterate", target: file, args: () => [] },
  { op: "File.get", target: file, args: () => [] },
  { op: "File.parts", target: file, args: () => [0] },
  { op: "File.save", target: file, args: (tag) => [{}, savePath(tag)] },
  { op: "File.updateLegalHold", target: file, args: () => ["on"] },
  { op: "File.updateRetention", target: file, args: () => [{ fileRetention: { mode: "governance", retainUntilTimestamp: 1_900_000_000_000 } }] },
  { op: "File.uploadUrl", target: file, args: () => [] },
  { op: "Parts.copy", target: parts, args: () => [{ sourceFileId: FILE_ID, range: "bytes=0-99" }] },
  { op: "Parts.data", target: parts, args: () => [new TextEncoder().encode("part one")] },
  { op: "Parts.file", target: parts, args: () => [smallFile] },
  { op: "Parts.finish", target: parts, args: () => [] },
  { op: "Parts.list", target: parts, args: () => [100] },
];
