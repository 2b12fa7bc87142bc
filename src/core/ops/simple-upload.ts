/** `Bucket.upload` and `Bucket.uploadUrl`: one-request uploads through pooled upload URLs. */
import type { FileModel, UploadSettings, UploadUrlModel } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState } from "../handles.js";
import { bulkTransport } from "../bulk-http.js";
import { sendWithRotation, sha1Hex, uploadHeaders, type StreamedBody, type UploadBody, type UploadTarget } from "../upload.js";
import { throttledProgress } from "../progress.js";
import { fileHandle } from "./handles.js";

/** How far back a version may have been stamped and still be taken for a lost attempt's upload. */
const RECONCILE_WINDOW_MS = 10 * 60 * 1000;

export function bucketUploadTarget(ctx: Context, bucketId: string, fileName?: string, sha1?: string, signal?: AbortSignal): UploadTarget {
  const since = Date.now() - RECONCILE_WINDOW_MS;
  const target: UploadTarget = {
    operation: "b2_upload_file",
    pool: ctx.uploadUrls,
    key: bucketId,
    fetchUrl: () => ctx.api.call<UploadUrlModel>("b2_get_upload_url", { bucketId }, signal),
  };
  if (fileName !== undefined && sha1 !== undefined) {
    // The newest version of the name, if it is ours (same SHA-1, stamped during this upload).
    target.reconcile = async () => {
      const page = await ctx.api.call<{ files: FileModel[] }>("b2_list_file_versions", { bucketId, startFileName: fileName, prefix: fileName, maxFileCount: 1 }, signal);
      const newest = page.files[0];
      return newest && newest.fileName === fileName && newest.action === "upload" && newest.contentSha1 === sha1 && newest.uploadTimestamp >= since
        ? newest
        : undefined;
    };
  }
  return target;
}

export async function upload(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  data: Uint8Array,
): Promise<{ model: FileModel; handle: FileState }> {
  const total = data.byteLength;
  const progress = throttledProgress(settings.onProgress);
  progress(0, total);
  // Over node:http (or when fetch streams it anyway) the bytes go in pieces, for byte-level
  // progress and so bytes moving show (core/activity.ts). A user's fetch keeps getting a small
  // body whole, as before.
  const pieces = total > PIECE && (bulkTransport(ctx) || total > STREAM_ABOVE);
  if (!pieces) {
    const result = await uploadWithSha1(ctx, state, settings, data, sha1Hex(data));
    progress(total, total);
    return result;
  }
  // A callback that throws mid-body aborts the upload with its own error: thrown inside the
  // body, fetch would wrap it and the attempt be retried as a connection failure.
  const stop = new AbortController();
  const signal = settings.signal ? AbortSignal.any([settings.signal, stop.signal]) : stop.signal;
  let most = 0;
  const body = inPieces(data, (n) => {
    // A retried attempt starts from 0: never report going back. The total is reported once B2
    // has answered (below): a callback throwing at 100% must not race a committed upload.
    if (n <= most || n >= total) return;
    most = n;
    try {
      progress(n, total);
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  });
  const result = await uploadWithSha1(ctx, state, { ...settings, signal }, body, sha1Hex(data));
  progress(total, total);
  return result;
}

/** Piece size of an in-memory body: small enough for a sign of life every piece on a slow link. */
const PIECE = 256 << 10;
/** upload.ts streams a bigger body through fetch anyway. */
const STREAM_ABOVE = 1 << 20;

/**
 * `data` as a body handed to the transport in subarrays (no copies), read afresh for every
 * attempt; `onBytes` gets the attempt's bytes handed so far, once the transport asks for more.
 */
function inPieces(data: Uint8Array, onBytes: (attemptBytes: number) => void): StreamedBody {
  return {
    length: data.byteLength,
    async *open() {
      for (let at = 0; at < data.byteLength; at += PIECE) {
        const piece = data.subarray(at, at + PIECE);
        yield piece;
        onBytes(at + piece.byteLength);
      }
    },
  };
}

/**
 * One b2_upload_file of `body` (bytes, or a source read afresh for each attempt) whose SHA-1 is
 * known; progress is the caller's (a streamed body counts its own).
 */
export async function uploadWithSha1(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  body: UploadBody,
  sha1: string,
): Promise<{ model: FileModel; handle: FileState }> {
  const headers = uploadHeaders(settings, "b2_upload_file");
  headers["X-Bz-Content-Sha1"] = sha1;
  const model = await sendWithRotation<FileModel>(ctx, bucketUploadTarget(ctx, state.bucketId, settings.fileName, sha1, settings.signal), headers, body, settings.signal);
  return { model, handle: fileHandle(model, state.bucketId) };
}

/** An upload URL for the bucket: an idle pooled one, or a new one added to the pool. */
export async function bucketUploadUrl(ctx: Context, state: BucketState): Promise<UploadUrlModel> {
  const idle = ctx.uploadUrls.peek(state.bucketId);
  if (idle) return idle;
  const url = await ctx.api.call<UploadUrlModel>("b2_get_upload_url", { bucketId: state.bucketId });
  ctx.uploadUrls.give(state.bucketId, url);
  return url;
}
