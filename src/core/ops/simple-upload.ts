/** `Bucket.upload` and `Bucket.uploadUrl`: one-request uploads through pooled upload URLs. */
import type { FileModel, UploadSettings, UploadUrlModel } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState } from "../handles.js";
import { sendWithRotation, sha1Hex, uploadHeaders, type UploadBody, type UploadTarget } from "../upload.js";
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
  const progress = throttledProgress(settings.onProgress);
  progress(0, data.byteLength);
  const result = await uploadWithSha1(ctx, state, settings, data, sha1Hex(data));
  progress(data.byteLength, data.byteLength);
  return result;
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
