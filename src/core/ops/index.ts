/**
 * The hand-written implementations of the table's `custom` and `stream` rows, by operation.
 * Each function is named as the row's `impl` (checked by a test).
 */
import type { ArgsOf, IterOp, ItemOf, ResultOf, RunOp, StateOf } from "../engine-types.js";
import type { AuthModel } from "../../models.js";
import type { Context } from "../context.js";
import type { ClientState } from "../handles.js";
import { download, downloadByName, downloadIterate, fileDelete, save, updateLegalHold, updateRetention } from "./file-ops.js";
import { partUploadUrl, partsCopy, partsData, partsFile, partsFinish, uploadFile } from "./large-file.js";
import { fileCopy } from "./copy.js";
import { bucketUploadUrl, upload } from "./simple-upload.js";
import { uploadStream } from "./stream-upload.js";

export async function authorize(ctx: Context, _state: ClientState): Promise<AuthModel> {
  return (await ctx.api.session.authorize()).model;
}

type Custom<O extends RunOp> = (ctx: Context, state: StateOf<O>, ...args: ArgsOf<O>) => Promise<ResultOf<O>>;
type Stream<O extends IterOp> = (ctx: Context, state: StateOf<O>, ...args: ArgsOf<O>) => AsyncIterable<ItemOf<O>>;

export const customOps = {
  "Client.authorize": authorize,
  "Client.downloadByName": downloadByName,
  "Bucket.upload": upload,
  "Bucket.uploadFile": uploadFile,
  "Bucket.uploadStream": uploadStream,
  "Bucket.uploadUrl": bucketUploadUrl,
  "File.copy": fileCopy,
  "File.delete": fileDelete,
  "File.download": download,
  "File.save": save,
  "File.updateLegalHold": updateLegalHold,
  "File.updateRetention": updateRetention,
  "File.uploadUrl": partUploadUrl,
  "Parts.copy": partsCopy,
  "Parts.data": partsData,
  "Parts.file": partsFile,
  "Parts.finish": partsFinish,
} satisfies { [O in RunOp]?: Custom<O> };

export const streamOps = {
  "File.downloadIterate": downloadIterate,
} satisfies { [O in IterOp]?: Stream<O> };
