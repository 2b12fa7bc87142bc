/** File-handle operations that need more than one table-driven call: look-ups and downloads. */
import { open, rename, rm } from "node:fs/promises";
import type {
  DownloadSettings,
  FileDeleteModel,
  FileLegalHoldModel,
  FileModel,
  FileRetentionModel,
  FileRetentionSettings,
  LegalHoldValue,
} from "../../models.js";
import type { Context } from "../context.js";
import { downloadChunks, type DownloadTarget } from "../download.js";
import { downloadInto } from "../download-parallel.js";
import { FileSink, MemorySink, partialPath } from "../download-sinks.js";
import type { ClientState, FileState } from "../handles.js";
import { throttledProgress } from "../progress.js";
import { checkBucketName, checkFileName } from "../validate.js";

/** The handle's file name, looked up with b2_get_file_info when the handle does not know it. */
async function fileNameOf(ctx: Context, state: FileState): Promise<string> {
  if (state.fileName !== undefined) return state.fileName;
  const model = await ctx.api.call<FileModel>("b2_get_file_info", { fileId: state.fileId });
  state.fileName = model.fileName;
  return model.fileName;
}

export async function fileDelete(ctx: Context, state: FileState, name: string | undefined, bypassGovernance: boolean | undefined): Promise<FileDeleteModel> {
  if (name !== undefined) checkFileName(name, "b2_delete_file_version");
  const fileName = name ?? (await fileNameOf(ctx, state));
  return ctx.api.call<FileDeleteModel>("b2_delete_file_version", { fileId: state.fileId, fileName, bypassGovernance });
}

export async function updateRetention(ctx: Context, state: FileState, settings: FileRetentionSettings): Promise<FileRetentionModel> {
  const fileName = await fileNameOf(ctx, state);
  return ctx.api.call<FileRetentionModel>("b2_update_file_retention", { ...settings, fileId: state.fileId, fileName });
}

export async function updateLegalHold(ctx: Context, state: FileState, legalHold: LegalHoldValue): Promise<FileLegalHoldModel> {
  const fileName = await fileNameOf(ctx, state);
  return ctx.api.call<FileLegalHoldModel>("b2_update_file_legal_hold", { fileId: state.fileId, fileName, legalHold });
}

/** A whole download (or a range) as one byte array, allocated once from the announced size. */
async function downloadBytes(ctx: Context, target: DownloadTarget, settings: DownloadSettings = {}): Promise<Uint8Array> {
  let memory: MemorySink | undefined;
  await downloadInto(ctx, target, settings, (info) => (memory = new MemorySink(info.length)), throttledProgress(settings.onProgress));
  return (memory as MemorySink).bytes();
}

export function download(ctx: Context, state: FileState, settings: DownloadSettings | undefined): Promise<Uint8Array> {
  return downloadBytes(ctx, { fileId: state.fileId }, settings);
}

export function downloadByName(
  ctx: Context,
  _state: ClientState,
  bucketName: string,
  fileName: string,
  settings: DownloadSettings | undefined,
): Promise<Uint8Array> {
  checkBucketName(bucketName, "b2_download_file_by_name");
  checkFileName(fileName, "b2_download_file_by_name");
  return downloadBytes(ctx, { bucketName, fileName }, settings);
}

export async function* downloadIterate(ctx: Context, state: FileState, settings: DownloadSettings | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  let done = 0;
  let total: number | undefined;
  const progress = throttledProgress(settings?.onProgress);
  for await (const chunk of downloadChunks(ctx, { fileId: state.fileId }, settings, (info) => (total = info.length))) {
    done += chunk.byteLength;
    progress(done, total);
    yield chunk;
  }
}

/**
 * Streams to a temporary file beside the target and renames it into place only after the
 * SHA-1 checks out: a failed download never leaves a (partial) file under the target name.
 */
export async function save(ctx: Context, state: FileState, settings: DownloadSettings, pathway: string): Promise<void> {
  const temp = partialPath(pathway);
  // Read back too: the SHA-1 is computed over what was written.
  const handle = await open(temp, "wx+");
  let ok = false;
  try {
    const sink = new FileSink(handle, temp);
    await downloadInto(ctx, { fileId: state.fileId }, settings, () => sink, throttledProgress(settings.onProgress));
    await sink.sync();
    await handle.close();
    await rename(temp, pathway);
    ok = true;
  } finally {
    if (!ok) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
    }
  }
}
