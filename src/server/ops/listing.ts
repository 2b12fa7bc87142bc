/** b2_list_file_names and b2_list_file_versions: prefix, delimiter (folders), start name/id, pages, UTF-8 byte order. */
import { accountAuth, listablePrefix, principal, requireCap } from "../auth.js";
import { badRequest } from "../errors.js";
import { bucketById, type FileRow } from "../rows.js";
import type { ServerState } from "../state.js";
import type { Ctx, OpDef } from "../types.js";
import { fileJson, folderJson } from "../wire.js";
import { pageSize } from "./paging.js";

const BATCH = 500;

/** Rows of a bucket from (name, seq) on, ordered by name (BINARY = UTF-8 bytes) then newest first. */
function* rowsFrom(state: ServerState, bucketId: string, name: string, seq: number, withStarts: boolean): Generator<FileRow> {
  const sql = `SELECT * FROM files WHERE bucketId = ? AND (fileName > ? OR (fileName = ? AND seq <= ?)) ${withStarts ? "" : "AND action != 'start'"} ORDER BY fileName, seq DESC LIMIT ${BATCH}`;
  const stmt = state.db.prepare(sql);
  for (;;) {
    const rows = stmt.all(bucketId, name, name, seq) as FileRow[];
    yield* rows;
    const last = rows[rows.length - 1];
    if (rows.length < BATCH || !last) return;
    name = last.fileName;
    seq = last.seq - 1;
  }
}

function list(ctx: Ctx, versions: boolean): { json: unknown } {
  const { state, body } = ctx;
  const p = principal(ctx);
  const bucket = bucketById(state, body["bucketId"]);
  requireCap(p, "listFiles", bucket.bucketId);
  const prefix = typeof body["prefix"] === "string" ? body["prefix"] : "";
  // Names scanned: the prefix asked for, or (v1, a key limited to a prefix) the part of it the key may see.
  const scan = listablePrefix(p, prefix, ctx.version);
  const delimiter = typeof body["delimiter"] === "string" && body["delimiter"] !== "" ? body["delimiter"] : null;
  const max = pageSize(body["maxFileCount"], state.limits.fileNamesPage, "maxFileCount");
  const startName = typeof body["startFileName"] === "string" ? body["startFileName"] : "";
  let startSeq = Number.MAX_SAFE_INTEGER;
  if (versions && body["startFileId"] !== undefined) {
    if (!startName) throw badRequest("startFileId: requires startFileName");
    const row = state.db.prepare("SELECT seq FROM files WHERE fileId = ? AND fileName = ?").get(body["startFileId"], startName) as { seq: number } | undefined;
    if (!row) throw badRequest(`startFileId: unknown file ${String(body["startFileId"])}`, "invalid_file_id");
    startSeq = row.seq;
  }
  if (scan === undefined) return { json: versions ? { files: [], nextFileName: null, nextFileId: null } : { files: [], nextFileName: null } };
  // Compared as UTF-8 bytes, like the listing order (JS string comparison is UTF-16 order).
  const from = Buffer.compare(Buffer.from(startName), Buffer.from(scan)) > 0 ? startName : scan;
  const files: unknown[] = [];
  let next: { name: string; id: string | null } | null = null;
  let lastName: string | null = null;
  let lastFolder: string | null = null;
  for (const row of rowsFrom(state, bucket.bucketId, from, from === startName ? startSeq : Number.MAX_SAFE_INTEGER, versions)) {
    if (!row.fileName.startsWith(scan)) break;
    if (!versions) {
      if (row.fileName === lastName) continue;
      lastName = row.fileName;
      if (row.action === "hide") continue;
    }
    let folder: string | null = null;
    if (delimiter) {
      const at = row.fileName.indexOf(delimiter, prefix.length);
      if (at >= 0) folder = row.fileName.slice(0, at + delimiter.length);
    }
    if (folder !== null && folder === lastFolder) continue;
    if (files.length === max) {
      next = { name: folder ?? row.fileName, id: folder ? null : row.fileId };
      break;
    }
    if (folder !== null) {
      lastFolder = folder;
      files.push(folderJson(state, bucket.bucketId, folder));
    } else files.push(fileJson(state, row, p, ctx.version));
  }
  if (versions) return { json: { files, nextFileName: next?.name ?? null, nextFileId: next?.id ?? null } };
  return { json: { files, nextFileName: next?.name ?? null } };
}

export const listingOps: Record<string, OpDef> = {
  b2_list_file_names: { kind: "json", auth: accountAuth, handler: (ctx) => list(ctx, false) },
  b2_list_file_versions: { kind: "json", auth: accountAuth, handler: (ctx) => list(ctx, true) },
};
