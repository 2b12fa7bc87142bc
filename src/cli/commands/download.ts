/** `b2kit download b2://BUCKET/NAME LOCAL`: one file, or every file under a folder into a directory. */
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { NotFound } from "../../errors.js";
import type { FileModel } from "../../models.js";
import { parseB2Path, UsageError, type Parsed } from "../args.js";
import type { Context } from "../context.js";
import { localSegments, resolveTarget } from "./paths.js";

export async function downloadCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, remote, local] = args.positionals;
  if (!remote || !local) throw new UsageError("usage: b2kit download b2://BUCKET/NAME LOCAL");
  const { bucket: bucketName, name } = parseB2Path(remote);
  const [, bucket] = await ctx.findBucket(bucketName);
  const target = await resolveTarget(bucket, name);
  const targets: [FileModel, string][] = [];
  if ("file" in target) {
    const intoDir = (await stat(local).catch(() => undefined))?.isDirectory();
    targets.push([target.file, intoDir ? join(local, basename(name)) : local]);
  } else {
    // Every path is checked before anything is written.
    for await (const [model] of bucket.fileNames({ prefix: target.prefix })) targets.push([model, join(local, ...localSegments(model.fileName.slice(target.prefix.length)))]);
  }
  if (targets.length === 0) throw new NotFound({ status: 404, code: "not_found", message: `no file or folder ${remote}` });
  for (const [model, path] of targets) {
    await mkdir(dirname(path), { recursive: true });
    const progress = ctx.out.progress(model.fileName);
    await bucket.file(model.fileId as string).save(progress ? { onProgress: progress } : {}, path);
  }
  ctx.out.result(
    targets.map(([m, p]) => ({ fileName: m.fileName, fileId: m.fileId, path: p, contentLength: m.contentLength })),
    () => targets.map(([m, p]) => `${m.fileName} -> ${p}`),
  );
}
