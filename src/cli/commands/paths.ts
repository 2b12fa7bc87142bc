/** What a `b2://BUCKET/NAME` path names: one file, or a folder (a name prefix), as the official tool reads it. */
import type { AwaitingBucket } from "../../../generated/awaiting.js";
import type { FileModel } from "../../models.js";

export type Target = { file: FileModel } | { prefix: string };

/**
 * The newest version named exactly `name`, if any. With `versions`, a hide marker counts too (so
 * `ls --versions` of a hidden file shows its history). Names sort after their prefixes, so the
 * first entry at or after `name` with that prefix is `name` itself when it exists.
 */
export async function exactFile(bucket: AwaitingBucket, name: string, versions = false): Promise<FileModel | undefined> {
  const settings = { prefix: name, startFileName: name, maxFileCount: 1 };
  for await (const [model] of versions ? bucket.fileVersions(settings) : bucket.fileNames(settings)) return model.fileName === name ? model : undefined;
  return undefined;
}

/** `b2://B/dir/` (or `b2://B`) is a folder; `b2://B/x` is the file `x` when it exists, else the folder `x/`. */
export async function resolveTarget(bucket: AwaitingBucket, name: string, versions = false): Promise<Target> {
  if (name === "" || name.endsWith("/")) return { prefix: name };
  const file = await exactFile(bucket, name, versions);
  return file ? { file } : { prefix: `${name}/` };
}

/** Local path segments for a name below a downloaded folder; `..`, `.` or empty segments would escape or collide. */
export function localSegments(rest: string): string[] {
  const parts = rest.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) throw new Error(`cannot save ${JSON.stringify(rest)} under a local directory`);
  return parts;
}
