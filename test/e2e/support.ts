/**
 * End-to-end support: the local B2 server (a child process) and both clients pointed at it.
 * Scenarios are written once in async style; they run unchanged on a Blocking client too,
 * because `await` on a plain value and `for await` over a sync iterable both just work.
 */
import { randomBytes } from "node:crypto";
import { Awaiting, Blocking, type ClientOptions } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";

export type Server = Awaited<ReturnType<typeof startServer>>;
export type Flavor = "Awaiting" | "Blocking";
export const flavors: Flavor[] = ["Awaiting", "Blocking"];

/** Small limits so large-file paths run with tiny data. */
export const SMALL_LIMITS = { minPartSize: 1000, recommendedPartSize: 1000, maxCopySize: 20_000 } as const;

export async function startLocal(limits: Record<string, number> = SMALL_LIMITS): Promise<Server> {
  return startServer({ limits });
}

/** A client of either flavor, typed as Awaiting (the Blocking one behaves the same under await). */
export function client(flavor: Flavor, server: Server, options: ClientOptions = {}, keyId = server.keyId, key = server.key): Awaiting {
  const opts: ClientOptions = { authUrl: server.url, chunkSize: 1000, backoff: { initial: 0.01, max: 0.05 }, ...options };
  return flavor === "Awaiting" ? new Awaiting(keyId, key, opts) : (new Blocking(keyId, key, opts) as unknown as Awaiting);
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(5).toString("hex")}`;

export type { JournalEntry } from "../../src/server/index.js";
import type { FaultSpec, JournalEntry } from "../../src/server/index.js";

// Thin aliases over the server's own control client, so scenarios read as the checklist does.
export const journal = (server: Server): Promise<JournalEntry[]> => server.control.journal();
export const clearJournal = (server: Server): Promise<void> => server.control.clearJournal();
export const injectFault = (server: Server, fault: FaultSpec): Promise<string> => server.control.addFault(fault);
export const clearFaults = (server: Server): Promise<void> => server.control.clearFaults();
export const advanceClock = (server: Server, seconds: number): Promise<unknown> => server.control.advanceClock(seconds);

export const count = (entries: JournalEntry[], op: string): number => entries.filter((e) => e.op === op).length;

/** The error `fn` throws (sync or async); fails the test when it does not throw. */
export async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
