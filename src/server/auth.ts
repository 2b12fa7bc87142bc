/** Tokens, application keys and the capability / bucket / name-prefix checks every operation goes through. */
import { randomBytes } from "node:crypto";
import { B2Fail, unauthorized } from "./errors.js";
import type { ServerState } from "./state.js";
import type { Ctx } from "./types.js";

export const TOKEN_LIFETIME_MS = 24 * 3600 * 1000;

export interface KeyRow {
  keyId: string;
  secret: string;
  keyName: string;
  capabilities: string;
  bucketIds: string | null;
  namePrefix: string | null;
  expiration: number | null;
  master: number;
  multiBucket: number;
}

export interface Principal {
  keyId: string;
  capabilities: Set<string>;
  bucketIds: string[] | null;
  namePrefix: string | null;
  /** Set for upload tokens: the bucket (upload file) or large file (upload part) the URL belongs to, and its id. */
  uploadTarget?: string;
  uploadUrlId?: string;
}

export function keyRow(state: ServerState, keyId: string): KeyRow | undefined {
  return state.db.prepare("SELECT * FROM keys WHERE keyId = ?").get(keyId) as KeyRow | undefined;
}

export function principalOf(key: KeyRow): Principal {
  return {
    keyId: key.keyId,
    capabilities: new Set(JSON.parse(key.capabilities) as string[]),
    bucketIds: key.bucketIds ? (JSON.parse(key.bucketIds) as string[]) : null,
    namePrefix: key.namePrefix,
  };
}

export function issueToken(state: ServerState, kind: "account" | "upload", keyId: string, target?: string, uploadUrlId?: string): string {
  const token = `${kind === "account" ? "4_" : "u4_"}${randomBytes(24).toString("base64url")}`;
  state.db
    .prepare("INSERT INTO tokens (token, kind, keyId, expires, target, uploadUrlId) VALUES (?, ?, ?, ?, ?, ?)")
    .run(token, kind, keyId, state.clock.now() + TOKEN_LIFETIME_MS, target ?? null, uploadUrlId ?? null);
  return token;
}

interface TokenRow {
  token: string;
  kind: string;
  keyId: string;
  expires: number;
  target: string | null;
  uploadUrlId: string | null;
}

/** Resolves the Authorization header to a principal, with B2's 401 codes. */
export function authenticate(state: ServerState, header: string | undefined, kind: "account" | "upload"): Principal {
  if (!header) throw new B2Fail(401, "missing_auth_token", "Authorization header is missing");
  const row = state.db.prepare("SELECT * FROM tokens WHERE token = ?").get(header) as TokenRow | undefined;
  if (!row || row.kind !== kind) throw new B2Fail(401, "bad_auth_token", "Invalid authorization token");
  if (row.expires <= state.clock.now()) throw new B2Fail(401, "expired_auth_token", "Authorization token has expired");
  const key = keyRow(state, row.keyId);
  if (!key) throw new B2Fail(401, "bad_auth_token", "Invalid authorization token");
  if (key.expiration !== null && key.expiration <= state.clock.now()) throw new B2Fail(401, "expired_auth_token", "Application key has expired");
  const principal = principalOf(key);
  if (row.target !== null) principal.uploadTarget = row.target;
  if (row.uploadUrlId !== null) principal.uploadUrlId = row.uploadUrlId;
  return principal;
}

/** The `auth` of operations called with an account token. */
export function accountAuth(ctx: Ctx): void {
  ctx.principal = authenticate(ctx.state, ctx.req.headers.authorization, "account");
}

/** The principal the operation's `auth` resolved (the router runs it before the handler). */
export function principal(ctx: Ctx): Principal {
  if (!ctx.principal) throw new Error(`${ctx.op}: handler reached without a principal`);
  return ctx.principal;
}

/** Capability plus bucket restriction; `fileName` also checks the key's name prefix. */
export function requireCap(p: Principal, capability: string, bucketId?: string, fileName?: string): void {
  if (!p.capabilities.has(capability)) throw unauthorized(`application key does not have the ${capability} capability`);
  if (bucketId !== undefined && p.bucketIds && !p.bucketIds.includes(bucketId)) throw unauthorized("application key is not allowed to access this bucket");
  if (fileName !== undefined && p.namePrefix && !fileName.startsWith(p.namePrefix)) throw unauthorized("file name is outside the application key's name prefix");
}

/** A listing prefix must be at least as restrictive as the key's name prefix. */
export function requirePrefix(p: Principal, prefix: string): void {
  if (p.namePrefix && !prefix.startsWith(p.namePrefix)) throw unauthorized("prefix is outside the application key's name prefix");
}

/**
 * The prefix a listing may scan for a key limited to a name prefix. From v2 on, asking beyond
 * the key's prefix is a 401; v1 filtered silently instead (B2's v2 changelog): it scans only
 * the key's prefix, or nothing (undefined) when the two do not overlap.
 */
export function listablePrefix(p: Principal, prefix: string, version: number): string | undefined {
  if (!p.namePrefix || prefix.startsWith(p.namePrefix)) return prefix;
  if (version !== 1) throw unauthorized("prefix is outside the application key's name prefix");
  return p.namePrefix.startsWith(prefix) ? p.namePrefix : undefined;
}
