/** `b2kit ls [--versions] [--recursive] b2://BUCKET[/PREFIX]`. */
import type { FileModel } from "../../models.js";
import { parseB2Path, type Parsed } from "../args.js";
import type { Context } from "../context.js";
import { resolveTarget } from "./paths.js";

const describe = (f: FileModel): string =>
  f.action === "folder" ? f.fileName : `${String(f.contentLength).padStart(12)}  ${new Date(f.uploadTimestamp).toISOString()}  ${f.action === "hide" ? "(hidden) " : ""}${f.fileName}`;

export async function lsCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = parseB2Path(args.positionals[1]);
  const versions = args.flags.has("versions");
  const [, bucket] = await ctx.findBucket(bucketName);
  const target = await resolveTarget(bucket, name, versions);
  // One file: list its name as a prefix and keep exact matches (its versions, with --versions).
  const single = "file" in target;
  const settings = single ? { prefix: name, startFileName: name } : { prefix: target.prefix, ...(args.flags.has("recursive") ? {} : { delimiter: "/" }) };
  const rows: FileModel[] = [];
  for await (const [model] of versions ? bucket.fileVersions(settings) : bucket.fileNames(settings)) {
    if (single && model.fileName !== name) break; // past the file's versions: longer names follow
    rows.push(model);
  }
  ctx.out.result(rows, () => rows.map(describe));
}
