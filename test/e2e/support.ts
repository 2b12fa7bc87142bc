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

export interface JournalEntry {
  seq: number;
  op: string;
  method: string;
  path: string;
  status: number;
  code?: string;
  fault?: unknown;
  uploadUrlId?: string;
}

export async function control(server: Server, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}/__b2kit/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

export const journal = async (server: Server): Promise<JournalEntry[]> => (await control(server, "GET", "journal")) as JournalEntry[];
export const clearJournal = (server: Server): Promise<unknown> => control(server, "DELETE", "journal");
export const injectFault = (server: Server, fault: Record<string, unknown>): Promise<unknown> => control(server, "POST", "faults", fault);
export const clearFaults = (server: Server): Promise<unknown> => control(server, "DELETE", "faults");
export const advanceClock = (server: Server, seconds: number): Promise<unknown> => control(server, "POST", "clock", { advanceSeconds: seconds });

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
