/**
 * One download GET (by id or by name, optionally ranged), over node:http when the client uses
 * the platform's fetch (about half the CPU per byte of undici's fetch on large bodies, see
 * bulk-http.ts), over the client's fetch otherwise. Either way the caller gets the headers and
 * the body as chunks; a non-2xx answer becomes its B2Error here.
 */
import type { DownloadSettings } from "../models.js";
import { errorFromBody } from "../errors.js";
import { bodyText, bulkRequest, bulkTransport, headersOf } from "./bulk-http.js";
import type { Context } from "./context.js";
import { encodeDownloadPath } from "./encoding.js";
import { type Attempt, errorFromResponse, jsonOrUndefined, retryAfterSeconds } from "./http.js";
import type { Authorization } from "./session.js";
import { sseHeaders } from "./upload.js";

export type DownloadTarget = { fileId: string } | { bucketName: string; fileName: string };

/** A successful (2xx) answer: its headers and its body as chunks. */
export interface Opened {
  headers: Headers;
  body: AsyncIterable<Uint8Array> | null;
}

const OVERRIDES = ["b2ContentDisposition", "b2ContentLanguage", "b2Expires", "b2CacheControl", "b2ContentEncoding", "b2ContentType"] as const;

export function operationOf(target: DownloadTarget): "b2_download_file_by_id" | "b2_download_file_by_name" {
  return "fileId" in target ? "b2_download_file_by_id" : "b2_download_file_by_name";
}

export async function openDownload(
  ctx: Context,
  auth: Authorization,
  target: DownloadTarget,
  settings: DownloadSettings,
  range: string | undefined,
  attempt: Attempt,
): Promise<Opened> {
  const query: Record<string, string> = {};
  for (const name of OVERRIDES) {
    const value = settings[name];
    if (value !== undefined) query[name] = value;
  }
  const headers: Record<string, string> = { Authorization: auth.token, ...(range ? { Range: range } : {}) };
  if (settings.serverSideEncryption) Object.assign(headers, sseHeaders({ ...settings.serverSideEncryption, mode: "SSE-C" }));
  return bulkTransport(ctx) ? getWithNode(ctx, auth, target, query, headers, attempt) : getWithFetch(ctx, auth, target, query, headers, attempt);
}

async function getWithNode(
  ctx: Context,
  auth: Authorization,
  target: DownloadTarget,
  query: Record<string, string>,
  headers: Record<string, string>,
  attempt: Attempt,
): Promise<Opened> {
  const params = "fileId" in target ? { fileId: target.fileId, ...query } : query;
  const search = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const path = "fileId" in target ? "/b2api/v4/b2_download_file_by_id" : encodeDownloadPath(target.bucketName, target.fileName);
  const url = `${auth.downloadUrl.replace(/\/+$/, "")}${path}${search ? `?${search}` : ""}`;
  const response = await bulkRequest(ctx, { method: "GET", url, headers, signal: attempt.signal });
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    const parsed = jsonOrUndefined(await bodyText(response).catch(() => ""));
    throw errorFromBody(status, parsed, operationOf(target), retryAfterSeconds({ headers: headersOf(response) }));
  }
  return { headers: headersOf(response), body: response };
}

async function getWithFetch(
  ctx: Context,
  auth: Authorization,
  target: DownloadTarget,
  query: Record<string, string>,
  headers: Record<string, string>,
  attempt: Attempt,
): Promise<Opened> {
  const init = { baseUrl: auth.downloadUrl, headers, signal: attempt.signal, parseAs: "stream" as const };
  const client = ctx.client as unknown as { GET(path: string, init: object): Promise<{ error?: unknown; response: Response }> };
  const { error, response } =
    "fileId" in target
      ? await client.GET("/b2api/v4/b2_download_file_by_id", { ...init, params: { query: { fileId: target.fileId, ...query } } })
      : await client.GET("/file/{bucketName}/{fileName}", { ...init, params: { path: target, query } });
  if (!response.ok) throw await errorFromResponse(response, error, operationOf(target));
  return { headers: response.headers, body: response.body as unknown as AsyncIterable<Uint8Array> | null };
}
