/**
 * `Bucket.uploadStream`: bytes of unknown length with bounded memory. The source is cut into
 * part-size buffers; if it ends within the first part it goes up as one simple upload (hashed
 * first), otherwise as a large file whose parts upload in parallel (at most `concurrency` parts
 * in flight plus the one being read). B2 takes `large_file_sha1` only when the large file
 * starts, which a stream of unknown length cannot know, so such files carry per-part SHA-1s only.
 * Each part buffer is hashed before it is sent rather than with `hex_digits_at_end`: measured on
 * 256 MiB (3 interleaved runs, local server), 249/148/131 MB/s for 696/752/766 ms of CPU against
 * 241/108/132 MB/s for 756/907/818 ms, and a retry reuses the hash.
 *
 * Part size: a stream's length is unknown, so the part size cannot be planned; it grows instead.
 * Parts 1-500 have the base size (the chunk size, at least B2's minimum part size), and the size
 * doubles every 500 parts (`streamPartSize`), capped at 5 GB (or the largest buffer the runtime
 * can allocate, 4 GiB on Node 20). From B2's 5 MB minimum that fits at least 24 TB in B2's 10,000
 * parts, more than B2's 10 TB largest file; memory stays within (concurrency + 1) x the current
 * part size. (B2 lets parts differ in size as long as all but the last reach the minimum.)
 *
 * Every chunk must be bytes (a Uint8Array, e.g. a Buffer, or another ArrayBuffer view); anything
 * else (a string from a Readable with `setEncoding`) fails with a ValidationError. A stream
 * cannot be read twice, so an upload that fails or is aborted after b2_start_large_file cannot be
 * resumed: the parts in flight are let settle, the large file is cancelled (best effort) and the
 * original error is thrown. `signal` aborts every request and the wait for the source's next chunk.
 */
import type { FileModel, UploadSettings, UploadSource } from "../../models.js";
import type { Context } from "../context.js";
import type { BucketState, FileState } from "../handles.js";
import { throttledProgress } from "../progress.js";
import { uploadHeaders } from "../upload.js";
import { checkConcurrency, checkPartNumber } from "../validate.js";
import { fileHandle } from "./handles.js";
import { finishLargeFile, startBody, uploadPart } from "./large-file.js";
import { upload } from "./simple-upload.js";
import { MAX_STREAM_PART_SIZE, PartReader, Stop, streamPartSize } from "./stream-parts.js";

export { MAX_STREAM_PART_SIZE, PART_SIZE_DOUBLES_EVERY, streamPartSize } from "./stream-parts.js";

const OPERATION = "b2_upload_file";

export async function uploadStream(
  ctx: Context,
  state: BucketState,
  settings: UploadSettings,
  source: UploadSource,
): Promise<{ model: FileModel; handle: FileState }> {
  // Everything checkable is checked before a request is sent or the source is read.
  uploadHeaders(settings, OPERATION);
  checkConcurrency(settings.concurrency, OPERATION);
  const limit = settings.concurrency ?? ctx.options.concurrency;
  const reader = new PartReader(source);
  const signal = settings.signal;
  const stop = new Stop(signal);
  try {
    stop.check();
    const auth = await stop.race(ctx.api.session.get());
    const base = Math.min(MAX_STREAM_PART_SIZE, Math.max(ctx.options.chunkSize, auth.absoluteMinimumPartSize));
    const first = await reader.part(streamPartSize(1, base), stop);
    const second = first === undefined ? undefined : await reader.part(streamPartSize(2, base), stop);
    if (second === undefined) {
      stop.check();
      return await upload(ctx, state, settings, first ?? new Uint8Array(0));
    }

    const started = await ctx.api.call<FileModel>("b2_start_large_file", startBody(state.bucketId, settings, {}), signal);
    const fileId = started.fileId as string;
    const inFlight = new Set<Promise<void>>();
    try {
      const sha1s: string[] = [];
      const progress = throttledProgress(settings.onProgress);
      let sent = 0;
      const launch = (partNumber: number, data: Uint8Array): void => {
        checkPartNumber(partNumber, "b2_upload_part");
        const task = uploadPart(ctx, fileId, partNumber, data, settings.serverSideEncryption, signal)
          .then((part) => {
            sha1s[partNumber - 1] = part.contentSha1;
            sent += data.byteLength;
            progress(sent, undefined);
          })
          .catch((error: unknown) => stop.fail(error))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      };
      progress(0, undefined);
      launch(1, first as Uint8Array);
      // The lane limit holds from the first parts on (concurrency 1: one part in flight).
      while (inFlight.size >= limit) await stop.race(Promise.race(inFlight));
      launch(2, second);
      for (let partNumber = 3; ; partNumber++) {
        while (inFlight.size >= limit) await stop.race(Promise.race(inFlight));
        const data = await reader.part(streamPartSize(partNumber, base), stop);
        if (data === undefined) break;
        launch(partNumber, data);
      }
      await stop.race(Promise.all(inFlight));
      stop.check();
      const model = await finishLargeFile(ctx, fileId, sha1s, settings.signal);
      progress(sent, sent);
      return { model, handle: fileHandle(model, state.bucketId) };
    } catch (error) {
      // Nothing can resume a stream: let the parts in flight settle, then cancel the large file
      // (without the signal, which may be the reason we are here), keeping the original error.
      await reader.close();
      await Promise.allSettled(inFlight);
      await ctx.api.call("b2_cancel_large_file", { fileId }).catch(() => undefined);
      ctx.partUrls.forget(fileId);
      throw error;
    }
  } finally {
    stop.dispose();
    await reader.close();
  }
}
