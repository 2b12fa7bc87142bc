/** b2_authorize_account (per-version shapes), b2_create_key, b2_list_keys, b2_delete_key. */
import { accountOnly } from "../../key-rules.js";
import { randomBytes } from "node:crypto";
import { accountAuth, issueToken, keyRow, principal, principalOf, requireCap, type KeyRow } from "../auth.js";
import { B2Fail, badRequest } from "../errors.js";
import { bucketById } from "../rows.js";
import { ALL_CAPABILITIES, type ServerState } from "../state.js";
import type { Ctx, OpDef } from "../types.js";
import { toV4 } from "../validate.js";
import { keyJson } from "../wire.js";
import { pageSize } from "./paging.js";

function authorize(ctx: Ctx): { json: unknown } {
  const { state, version } = ctx;
  const header = ctx.req.headers.authorization ?? "";
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) throw new B2Fail(401, "bad_auth_token", "Basic authorization header required");
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const keyId = decoded.slice(0, colon);
  const key = keyRow(state, keyId === state.accountId ? state.masterKeyId : keyId);
  if (colon < 0 || !key || key.secret !== decoded.slice(colon + 1)) throw new B2Fail(401, "bad_auth_token", "Invalid application key id or key");
  if (key.expiration !== null && key.expiration <= state.clock.now()) throw new B2Fail(401, "unauthorized", "Application key has expired");
  const p = principalOf(key);
  if (version < 4 && p.bucketIds && p.bucketIds.length > 1)
    throw new B2Fail(401, "unsupported", "This application key is restricted to several buckets and can only be used with API version v4");
  const token = issueToken(state, "account", key.keyId);
  const buckets = p.bucketIds?.map((id) => ({ id, name: bucketName(state, id) })) ?? null;
  const first = buckets?.[0];
  const caps = [...p.capabilities];
  const urls = { apiUrl: state.url, downloadUrl: state.url, s3ApiUrl: state.url };
  const sizes = { absoluteMinimumPartSize: state.limits.minPartSize, recommendedPartSize: state.limits.recommendedPartSize };
  if (version <= 2) {
    return {
      json: {
        ...sizes,
        ...(version === 1 ? { minimumPartSize: state.limits.recommendedPartSize } : {}),
        accountId: state.accountId,
        allowed: { bucketId: first?.id ?? null, bucketName: first?.name ?? null, capabilities: caps, namePrefix: p.namePrefix },
        ...urls,
        authorizationToken: token,
      },
    };
  }
  const storageApi =
    version === 3
      ? { ...sizes, ...urls, bucketId: first?.id ?? null, bucketName: first?.name ?? null, capabilities: caps, namePrefix: p.namePrefix, infoType: "storageApi" }
      : { ...sizes, ...urls, allowed: { buckets, capabilities: caps, namePrefix: p.namePrefix } };
  return {
    json: { accountId: state.accountId, authorizationToken: token, applicationKeyExpirationTimestamp: key.expiration, apiInfo: { storageApi } },
  };
}

function bucketName(state: ServerState, id: string): string | null {
  return (state.db.prepare("SELECT bucketName FROM buckets WHERE bucketId = ?").get(id) as { bucketName: string } | undefined)?.bucketName ?? null;
}

export function requireAccount(state: ServerState, accountId: unknown): void {
  if (accountId !== state.accountId) throw badRequest(`accountId ${String(accountId)} does not match the authorized account`);
}

function createKey(ctx: Ctx): { json: unknown } {
  const { state } = ctx;
  const p = principal(ctx);
  requireCap(p, "writeKeys");
  const body = toV4(ctx.op, ctx.version, ctx.body);
  requireAccount(state, body["accountId"]);
  const keyName = body["keyName"];
  if (typeof keyName !== "string" || !/^[A-Za-z0-9-]{1,100}$/.test(keyName)) throw badRequest("keyName: 1-100 letters, digits and '-'");
  const capabilities = body["capabilities"];
  if (!Array.isArray(capabilities) || capabilities.length === 0) throw badRequest("capabilities: at least one capability is required");
  for (const c of capabilities) if (!ALL_CAPABILITIES.includes(c as string)) throw badRequest(`capabilities: unknown capability ${String(c)}`);
  const duration = body["validDurationInSeconds"];
  if (duration !== undefined && (typeof duration !== "number" || !Number.isInteger(duration) || duration < 1 || duration > 86_400_000))
    throw badRequest("validDurationInSeconds: must be an integer from 1 to 86400000");
  const bucketIds = body["bucketIds"] as string[] | undefined;
  for (const id of bucketIds ?? []) bucketById(state, id);
  const denied = bucketIds?.length ? accountOnly(capabilities) : [];
  if (denied.length) throw badRequest(`capabilities: a key restricted to buckets cannot have ${denied.join(", ")}`);
  if (p.bucketIds && (!bucketIds || bucketIds.some((id) => !p.bucketIds?.includes(id))))
    throw new B2Fail(401, "unauthorized", "a restricted key can only create keys for its own buckets");
  const namePrefix = body["namePrefix"];
  if (namePrefix !== undefined && typeof namePrefix !== "string") throw badRequest("namePrefix: must be a string");
  const keyId = `00${state.accountId.slice(0, 10)}${randomBytes(8).toString("hex")}`;
  const secret = `K00${randomBytes(20).toString("base64url").slice(0, 27)}`;
  const expiration = typeof duration === "number" ? state.clock.now() + duration * 1000 : null;
  state.db
    .prepare("INSERT INTO keys (keyId, secret, keyName, capabilities, bucketIds, namePrefix, expiration, master, multiBucket) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)")
    .run(keyId, secret, keyName, JSON.stringify(capabilities), bucketIds ? JSON.stringify(bucketIds) : null, namePrefix ?? null, expiration, (bucketIds?.length ?? 0) > 1 ? 1 : 0);
  const row = keyRow(state, keyId) as KeyRow;
  return { json: { ...keyJson(state, row, ctx.version), applicationKey: secret } };
}

function listKeys(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  requireCap(p, "listKeys");
  requireAccount(state, body["accountId"]);
  const max = pageSize(body["maxKeyCount"], state.limits.keysPage, "maxKeyCount");
  const start = typeof body["startApplicationKeyId"] === "string" ? body["startApplicationKeyId"] : "";
  // Before v4 a key has one bucketId: keys restricted to several buckets are not listed there (B2 documents this).
  const multi = ctx.version < 4 ? "AND multiBucket = 0" : "";
  const rows = state.db.prepare(`SELECT * FROM keys WHERE master = 0 ${multi} AND keyId >= ? ORDER BY keyId LIMIT ?`).all(start, max + 1) as KeyRow[];
  const next = rows.length > max ? (rows.pop() as KeyRow).keyId : null;
  return { json: { keys: rows.map((k) => keyJson(state, k, ctx.version)), nextApplicationKeyId: next } };
}

function deleteKey(ctx: Ctx): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  requireCap(p, "deleteKeys");
  const row = keyRow(state, String(body["applicationKeyId"]));
  if (!row || row.master) throw badRequest(`Key not found: ${String(body["applicationKeyId"])}`);
  if (row.multiBucket && ctx.version < 4) throw badRequest("a key restricted to several buckets can only be deleted with API version v4");
  state.db.transaction(() => {
    state.db.prepare("DELETE FROM keys WHERE keyId = ?").run(row.keyId);
    state.db.prepare("DELETE FROM tokens WHERE keyId = ?").run(row.keyId);
  })();
  return { json: keyJson(state, row, ctx.version) };
}

export const keyOps: Record<string, OpDef> = {
  b2_authorize_account: { kind: "json", auth: null, handler: authorize },
  b2_create_key: { kind: "json", auth: accountAuth, handler: createKey },
  b2_list_keys: { kind: "json", auth: accountAuth, handler: listKeys },
  b2_delete_key: { kind: "json", auth: accountAuth, handler: deleteKey },
};
