/** `b2kit upload LOCAL b2://BUCKET/NAME`: one file, or a directory's files under the name as a prefix. */
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { FileModel } from "../../models.js";
import { flagNumber, flagString, parseB2Path, UsageError, type Parsed } from "../args.js";
import type { Context } from "../context.js";

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

export async function uploadCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, local, remote] = args.positionals;
  if (!local || !remote) throw new UsageError("usage: b2kit upload LOCAL b2://BUCKET/NAME [--content-type T] [--concurrency N]");
  const { bucket: bucketName, name } = parseB2Path(remote);
  const info = await stat(local);
  const [, bucket] = await ctx.findBucket(bucketName);
  const asFolder = name === "" || name.endsWith("/");
  const pairs: [string, string][] = [];
  if (info.isDirectory()) {
    const prefix = asFolder ? name : `${name}/`;
    for await (const file of walk(local)) pairs.push([file, prefix + relative(local, file).split(sep).join("/")]);
  } else pairs.push([local, asFolder ? `${name}${basename(local)}` : name]);
  const contentType = flagString(args, "content-type");
  const concurrency = flagNumber(args, "concurrency");
  const uploaded: FileModel[] = [];
  for (const [path, fileName] of pairs) {
    const progress = ctx.out.progress(fileName);
    const { mtimeMs } = await stat(path);
    const [model] = await bucket.uploadFile(
      {
        fileName,
        // As the official tool does, so a later sync can compare modification times.
        lastModified: Math.floor(mtimeMs),
        ...(contentType ? { contentType } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(progress ? { onProgress: progress } : {}),
      },
      path,
    );
    uploaded.push(model);
  }
  ctx.out.result(info.isDirectory() ? uploaded : uploaded[0], () => uploaded.map((f) => `${f.fileId}  ${f.fileName}`));
}
