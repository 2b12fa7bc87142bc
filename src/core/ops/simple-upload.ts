/** `Bucket.upload` and `Bucket.uploadUrl`: one-request uploads through pooled upload URLs. */
import type { FileModel, UploadSettings, UploadUrlModel } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState } from "../handles.js";
import { sendWithRotation, sha1Hex, uploadHeaders, type UploadTarget } from "../upload.js";
import { throttledProgress } from "../progress.js";
import { fileHandle } from "./handles.js";

export function bucketUploadTarget(ctx: Context, bucketId: string): UploadTarget {
  return {
    operation: "b2_upload_file",
    pool: ctx.uploadUrls,
    key: bucketId,
    fetchUrl: () => ctx.api.call<UploadUrlModel>("b2_get_upload_url", { bucketId }),
  };
}

export async function upload(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  data: Uint8Array,
): Promise<{ model: FileModel; handle: FileState }> {
  const headers = uploadHeaders(settings, "b2_upload_file");
  headers["X-Bz-Content-Sha1"] = sha1Hex(data);
  const progress = throttledProgress(settings.onProgress);
  progress(0, data.byteLength);
  const model = await sendWithRotation<FileModel>(ctx, bucketUploadTarget(ctx, state.bucketId), headers, data, settings.signal);
  progress(data.byteLength, data.byteLength);
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
