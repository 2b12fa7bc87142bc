/**
 * `File.copy`: one b2_copy_file when B2 accepts it; when the source is over the single-copy
 * limit (400 `source_too_large`, 5 GB on B2, configurable on the local server) the copy is
 * rebuilt server-side as a large file from parallel b2_copy_part ranges. No bytes pass through
 * the client either way.
 */
import { BadRequest } from "../../errors.js";
import type { CopyFileSettings, FileModel, PartModel } from "../../models.js";
import type { Context } from "../context.js";
import type { FileState } from "../handles.js";
import { checkCopyRange, checkFileInfo, checkFileName, checkInfoBudget } from "../validate.js";
import { fileHandle } from "./handles.js";
import { finishLargeFile, planPartSize } from "./large-file.js";


/** The source bytes a copy takes (a range checked by checkCopyRange), its end clamped to the file. */
function parsedRange(range: string | null | undefined, size: number): { start: number; end: number } {
  const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
  if (!m) return { start: 0, end: size - 1 };
  return { start: Number(m[1]), end: Math.min(Number(m[2]), size - 1) };
}

async function copyAsLargeFile(ctx: Context, state: FileState, settings: CopyFileSettings): Promise<FileModel> {
  const source = await ctx.api.call<FileModel>("b2_get_file_info", { fileId: state.fileId });
  const { start, end } = parsedRange(settings.range, source.contentLength);
  const whole = start === 0 && end === source.contentLength - 1;
  const replace = settings.metadataDirective === "REPLACE";
  // REPLACE: the caller's fileInfo, as given. COPY: the source's, whose large_file_sha1 holds only
  // for the whole source (the new file's parts say "none", so downloads check it): a range drops it.
  const fileInfo: Record<string, string> = { ...(replace ? (settings.fileInfo ?? {}) : source.fileInfo) };
  if (!replace) {
    const sourceSha1 = source.contentSha1 && /^[0-9a-f]{40}$/.test(source.contentSha1) ? source.contentSha1 : source.fileInfo["large_file_sha1"];
    if (!whole) delete fileInfo["large_file_sha1"];
    else if (sourceSha1) fileInfo["large_file_sha1"] = sourceSha1;
  }
  const started = await ctx.api.call<FileModel>("b2_start_large_file", {
    bucketId: settings.destinationBucketId ?? source.bucketId,
    fileName: settings.fileName,
    contentType: replace ? settings.contentType : source.contentType,
    fileInfo,
    serverSideEncryption: settings.destinationServerSideEncryption ?? undefined,
    fileRetention: settings.fileRetention ?? undefined,
    legalHold: settings.legalHold ?? undefined,
  });
  const largeFileId = started.fileId as string;
  const auth = await ctx.api.session.get();
  const length = end - start + 1;
  const lanes = ctx.options.concurrency;
  // As for uploads: parts toward B2's recommended size, balanced over the lanes (fewer requests).
  const partSize = planPartSize(length, { chunkSize: ctx.options.chunkSize, minimum: auth.absoluteMinimumPartSize, recommended: auth.recommendedPartSize, lanes });
  const ranges: [number, number][] = [];
  for (let offset = start; offset <= end; offset += partSize) ranges.push([offset, Math.min(end, offset + partSize - 1)]);
  const sha1s: string[] = [];
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < ranges.length) {
      const index = next++;
      const [from, to] = ranges[index] as [number, number];
      try {
        const part = await ctx.api.call<PartModel>("b2_copy_part", {
          sourceFileId: state.fileId,
          largeFileId,
          partNumber: index + 1,
          range: `bytes=${from}-${to}`,
          sourceServerSideEncryption: settings.sourceServerSideEncryption ?? undefined,
          destinationServerSideEncryption: settings.destinationServerSideEncryption ?? undefined,
        });
        sha1s[index] = part.contentSha1;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, ranges.length) }, lane));
  if (failure !== undefined) {
    // A copy is not resumed: its copied parts would stay stored (and billed) in an unfinished file.
    await ctx.api.call("b2_cancel_large_file", { fileId: largeFileId }).catch(() => undefined);
    ctx.partUrls.forget(largeFileId);
    throw failure;
  }
  return finishLargeFile(ctx, largeFileId, sha1s);
}

export async function fileCopy(ctx: Context, state: FileState, settings: CopyFileSettings): Promise<{ model: FileModel; handle: FileState }> {
  checkFileName(settings.fileName, "b2_copy_file");
  checkFileInfo(settings.fileInfo ?? undefined, "b2_copy_file");
  checkInfoBudget(settings.fileName, settings.fileInfo ?? {}, settings.destinationServerSideEncryption != null, "b2_copy_file");
  checkCopyRange(settings.range, "b2_copy_file");
  let model: FileModel;
  try {
    model = await ctx.api.call<FileModel>("b2_copy_file", { ...settings, sourceFileId: state.fileId });
  } catch (error) {
    if (!(error instanceof BadRequest && error.code === "source_too_large")) throw error;
    ctx.policy.log?.(`b2_copy_file: source over the single-copy limit; copying as a large file`);
    model = await copyAsLargeFile(ctx, state, settings);
  }
  return { model, handle: fileHandle(model) };
}
