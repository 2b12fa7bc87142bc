/** `b2kit rm | hide | cp`: changes to one file name. */
import { NotFound } from "../../errors.js";
import type { FileDeleteModel } from "../../models.js";
import { parseB2Path, UsageError, type Parsed } from "../args.js";
import type { Context } from "../context.js";
import { exactFile } from "./paths.js";

/** `bucket` and a non-empty file name, or a usage error naming the command. */
function filePath(args: Parsed, index: number, usage: string): { bucket: string; name: string } {
  const path = parseB2Path(args.positionals[index]);
  if (!path.name || path.name.endsWith("/")) throw new UsageError(`usage: ${usage} (a file name, not a folder)`);
  return path;
}

/** Deletes the newest version of a name (which un-hides a hidden file), or every version with --versions. */
export async function rmCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = filePath(args, 1, "b2kit rm [--versions] b2://BUCKET/NAME");
  const [, bucket] = await ctx.findBucket(bucketName);
  const victims: { fileName: string; fileId: string }[] = [];
  // Collect first, delete after: deleting while paging would shift the listing under the iterator.
  for await (const [model] of bucket.fileVersions({ prefix: name, startFileName: name })) {
    if (model.fileName !== name) break;
    victims.push({ fileName: model.fileName, fileId: model.fileId as string });
    if (!args.flags.has("versions")) break;
  }
  if (victims.length === 0) throw new NotFound({ status: 404, code: "not_found", message: `no file ${args.positionals[1]}` });
  const deleted: FileDeleteModel[] = [];
  for (const v of victims) deleted.push(await bucket.file(v.fileId).delete(v.fileName));
  ctx.out.result(deleted, () => deleted.map((d) => `deleted ${d.fileName} (${d.fileId})`));
}

export async function hideCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = filePath(args, 1, "b2kit hide b2://BUCKET/NAME");
  const [, bucket] = await ctx.findBucket(bucketName);
  const [model] = await bucket.hide(name);
  ctx.out.result(model, () => [`hidden ${model.fileName}`]);
}

/** A server-side copy; a destination ending in `/` keeps the source's base name. */
export async function cpCommand(ctx: Context, args: Parsed): Promise<void> {
  const usage = "b2kit cp b2://BUCKET/SRC b2://BUCKET/DST";
  const src = filePath(args, 1, usage);
  const dst = parseB2Path(args.positionals[2]);
  const [, srcBucket] = await ctx.findBucket(src.bucket);
  const source = await exactFile(srcBucket, src.name);
  if (!source?.fileId) throw new NotFound({ status: 404, code: "not_found", message: `no file ${args.positionals[1]}` });
  const fileName = dst.name === "" || dst.name.endsWith("/") ? `${dst.name}${src.name.split("/").pop() as string}` : dst.name;
  const destinationBucketId = dst.bucket === src.bucket ? undefined : (await ctx.findBucket(dst.bucket))[0].bucketId;
  const [model] = await srcBucket.file(source.fileId).copy({ fileName, ...(destinationBucketId ? { destinationBucketId } : {}) });
  ctx.out.result(model, () => [`${model.fileId}  ${model.fileName}`]);
}
