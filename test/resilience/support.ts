/**
 * Resilience support: the e2e helpers plus what the fault rows assert on — which upload URL an
 * attempt went to, the gaps between journal entries (the back-off that was waited), and the
 * verified round trip every row ends with.
 */
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Awaiting, AwaitingBucket, AwaitingFile } from "../../src/index.js";
import type { JournalEntry } from "./../e2e/support.js";

export * from "../e2e/support.js";

export const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");

/** The upload URL id an upload attempt went to (the last segment of its upload URL path). */
export function urlId(entry: JournalEntry): string {
  return entry.uploadUrlId ?? (entry.path.split("/").at(-1) as string);
}

export const only = (entries: JournalEntry[], op: string): JournalEntry[] => entries.filter((e) => e.op === op);

/** Milliseconds between consecutive entries (server clock). */
export function gaps(entries: JournalEntry[]): number[] {
  return entries.slice(1).map((e, i) => e.at - (entries[i] as JournalEntry).at);
}

/** Downloads `file` and checks the bytes and their SHA-1 against what was sent. */
export async function verifyDownload(file: AwaitingFile, data: Uint8Array, contentSha1?: string | null): Promise<void> {
  const back = Buffer.from(await file.download());
  expect(back.equals(Buffer.from(data))).toBe(true);
  expect(sha1(back)).toBe(sha1(data));
  if (typeof contentSha1 === "string" && contentSha1 !== "none") expect(contentSha1).toBe(sha1(data));
}

/** The round trip every row ends with: a fresh upload that downloads as the same bytes and SHA-1. */
export async function roundTrip(bucket: AwaitingBucket, name = `rt-${randomBytes(4).toString("hex")}.bin`): Promise<void> {
  const data = randomBytes(700);
  const [model, file] = await bucket.upload({ fileName: name }, data);
  expect(model.contentSha1).toBe(sha1(data));
  await verifyDownload(file, data, model.contentSha1);
}

/** Every version of `name` in the bucket. */
export async function versionsOf(bucket: AwaitingBucket, name: string): Promise<{ fileId: string; contentSha1: string | null; action: string }[]> {
  const out = [];
  for await (const [model] of bucket.fileVersions({ prefix: name })) {
    if (model.fileName === name) out.push({ fileId: model.fileId as string, contentSha1: model.contentSha1, action: model.action });
  }
  return out;
}

export type { Awaiting };
