/** Handle states built from B2 models. */
import type { FileModel } from "../../models.js";
import type { FileState } from "../handles.js";

export function fileHandle(model: FileModel, bucketId?: string): FileState {
  const state: FileState = { kind: "File", fileId: model.fileId ?? "" };
  const bucket = model.bucketId ?? bucketId;
  if (bucket !== undefined) state.bucketId = bucket;
  state.fileName = model.fileName;
  return state;
}
