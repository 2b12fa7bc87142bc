/** The JSON shapes B2 answers with, built from rows and filtered by what the caller's key may read. */
import type { KeyRow, Principal } from "./auth.js";
import type { BucketRow, FileRow, PartRow, StoredSse } from "./rows.js";
import { lockOf, sseOf } from "./rows.js";
import type { ServerState } from "./state.js";

export function bucketJson(state: ServerState, b: BucketRow, p: Principal): Record<string, unknown> {
  const readSse = p.capabilities.has("readBucketEncryption");
  const readLock = p.capabilities.has("readBucketRetentions");
  const sse = JSON.parse(b.defaultSse) as { mode: string | null; algorithm: string | null };
  const out: Record<string, unknown> = {
    accountId: state.accountId,
    bucketId: b.bucketId,
    bucketName: b.bucketName,
    bucketType: b.bucketType,
    bucketInfo: JSON.parse(b.bucketInfo),
    corsRules: JSON.parse(b.corsRules),
    lifecycleRules: JSON.parse(b.lifecycleRules),
    defaultServerSideEncryption: readSse ? { isClientAuthorizedToRead: true, value: sse } : { isClientAuthorizedToRead: false },
    fileLockConfiguration: readLock ? { isClientAuthorizedToRead: true, value: lockOf(b) } : { isClientAuthorizedToRead: false },
    options: ["s3"],
    revision: b.revision,
  };
  if (b.replication) {
    out["replicationConfiguration"] = p.capabilities.has("readBucketReplications")
      ? { isClientAuthorizedToRead: true, value: JSON.parse(b.replication) }
      : { isClientAuthorizedToRead: false };
  }
  return out;
}

export function sseJson(sse: StoredSse | null): Record<string, unknown> {
  if (!sse) return { mode: null, algorithm: null };
  return sse.mode === "SSE-C" ? { mode: "SSE-C", algorithm: "AES256", customerKeyMd5: sse.customerKeyMd5 } : { mode: "SSE-B2", algorithm: "AES256" };
}

export function fileJson(state: ServerState, f: FileRow, p: Principal | null, version: number, action?: string): Record<string, unknown> {
  const readRet = !p || p.capabilities.has("readFileRetentions");
  const readHold = !p || p.capabilities.has("readFileLegalHolds");
  const retention = f.retention ? JSON.parse(f.retention) : { mode: null, retainUntilTimestamp: null };
  const out: Record<string, unknown> = {
    accountId: state.accountId,
    action: action ?? f.action,
    bucketId: f.bucketId,
    contentLength: f.contentLength,
    contentMd5: f.contentMd5,
    contentSha1: f.contentSha1,
    contentType: f.contentType,
    fileId: f.fileId,
    fileInfo: JSON.parse(f.fileInfo),
    fileName: f.fileName,
    fileRetention: readRet ? { isClientAuthorizedToRead: true, value: retention } : { isClientAuthorizedToRead: false, value: null },
    legalHold: readHold ? { isClientAuthorizedToRead: true, value: f.legalHold } : { isClientAuthorizedToRead: false, value: null },
    serverSideEncryption: sseJson(sseOf(f)),
    uploadTimestamp: f.uploadTimestamp,
  };
  if (f.action === "hide") {
    // As the live service answers (recorded): the hashes of no bytes, and no SSE or Object Lock fields.
    out["contentSha1"] = EMPTY_SHA1;
    out["contentMd5"] = EMPTY_MD5;
    delete out["fileRetention"];
    delete out["legalHold"];
    delete out["serverSideEncryption"];
  }
  if (version === 1) out["size"] = f.contentLength;
  return out;
}

const EMPTY_SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

export function folderJson(state: ServerState, bucketId: string, name: string): Record<string, unknown> {
  return {
    accountId: state.accountId,
    action: "folder",
    bucketId,
    contentLength: 0,
    contentMd5: null,
    contentSha1: null,
    contentType: null,
    fileId: null,
    fileInfo: {},
    fileName: name,
    uploadTimestamp: 0,
  };
}

export function partJson(part: PartRow, sse: StoredSse | null): Record<string, unknown> {
  return {
    contentLength: part.contentLength,
    contentMd5: part.contentMd5,
    contentSha1: part.contentSha1,
    fileId: part.fileId,
    partNumber: part.partNumber,
    serverSideEncryption: sseJson(sse),
    uploadTimestamp: part.uploadTimestamp,
  };
}

export function keyJson(state: ServerState, k: KeyRow, version: number): Record<string, unknown> {
  const bucketIds = k.bucketIds ? (JSON.parse(k.bucketIds) as string[]) : null;
  const out: Record<string, unknown> = {
    accountId: state.accountId,
    applicationKeyId: k.keyId,
    capabilities: JSON.parse(k.capabilities),
    expirationTimestamp: k.expiration,
    keyName: k.keyName,
    namePrefix: k.namePrefix,
    options: ["s3"],
  };
  if (version >= 4) out["bucketIds"] = bucketIds;
  else out["bucketId"] = bucketIds?.[0] ?? null;
  return out;
}
