/** `b2kit ls | upload | download | rm | hide | cp | url | authorize`. */
import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { NotFound } from "../../errors.js";
import type { FileDeleteModel, FileModel } from "../../models.js";
import { flagNumber, parseB2Path, UsageError, type Parsed } from "../args.js";
import type { Context } from "../context.js";

const describe = (f: FileModel): string =>
  f.action === "folder" ? `${f.fileName}` : `${String(f.contentLength).padStart(12)}  ${new Date(f.uploadTimestamp).toISOString()}  ${f.action === "hide" ? "(hidden) " : ""}${f.fileName}`;

export async function lsCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name: prefix } = parseB2Path(args.positionals[1]);
  const [, bucket] = await ctx.findBucket(bucketName);
  const settings = { prefix, ...(args.flags.has("recursive") ? {} : { delimiter: "/" }) };
  const rows: FileModel[] = [];
  const listing = args.flags.has("versions") ? bucket.fileVersions(settings) : bucket.fileNames(settings);
  for await (const [model] of listing) rows.push(model);
  ctx.out.result(rows, () => rows.map(describe));
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

export async function uploadCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, local, remote] = args.positionals;
  if (!local || !remote) throw new UsageError("usage: b2kit upload LOCAL b2://BUCKET/NAME");
  const { bucket: bucketName, name } = parseB2Path(remote);
  const [, bucket] = await ctx.findBucket(bucketName);
  const info = await stat(local);
  const pairs: [string, string][] = [];
  if (info.isDirectory()) {
    const prefix = name === "" || name.endsWith("/") ? name : `${name}/`;
    for await (const file of walk(local)) pairs.push([file, prefix + relative(local, file).split(sep).join("/")]);
  } else pairs.push([local, name === "" || name.endsWith("/") ? `${name}${local.split(sep).pop()}` : name]);
  const uploaded: FileModel[] = [];
  for (const [path, fileName] of pairs) {
    const progress = ctx.out.progress(fileName);
    const [model] = await bucket.uploadFile({ fileName, ...(progress ? { onProgress: progress } : {}) }, path);
    uploaded.push(model);
  }
  ctx.out.result(uploaded.length === 1 && !info.isDirectory() ? uploaded[0] : uploaded, () => uploaded.map((f) => `${f.fileId}  ${f.fileName}`));
}

export async function downloadCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, remote, local] = args.positionals;
  if (!remote || !local) throw new UsageError("usage: b2kit download b2://BUCKET/NAME LOCAL");
  const { bucket: bucketName, name } = parseB2Path(remote);
  const [, bucket] = await ctx.findBucket(bucketName);
  const targets: [FileModel, string][] = [];
  const isPrefix = name === "" || name.endsWith("/");
  for await (const [model] of bucket.fileNames({ prefix: name })) {
    if (isPrefix) targets.push([model, join(local, ...model.fileName.slice(name.length).split("/"))]);
    else if (model.fileName === name) targets.push([model, local]);
  }
  if (targets.length === 0) throw new NotFound({ status: 404, code: "not_found", message: `no file ${remote}` });
  if (!isPrefix && (await stat(local).catch(() => undefined))?.isDirectory()) (targets[0] as [FileModel, string])[1] = join(local, name.split("/").pop() as string);
  for (const [model, path] of targets) {
    await mkdir(dirname(path), { recursive: true });
    const progress = ctx.out.progress(model.fileName);
    await bucket.file(model.fileId as string).save(progress ? { onProgress: progress } : {}, path);
  }
  ctx.out.result(targets.map(([m, p]) => ({ fileName: m.fileName, path: p, contentLength: m.contentLength })), () => targets.map(([m, p]) => `${m.fileName} -> ${p}`));
}

export async function rmCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = parseB2Path(args.positionals[1]);
  if (!name) throw new UsageError("usage: b2kit rm [--versions] b2://BUCKET/NAME");
  const [, bucket] = await ctx.findBucket(bucketName);
  const deleted: FileDeleteModel[] = [];
  for await (const [model, file] of bucket.fileVersions({ prefix: name, startFileName: name })) {
    if (model.fileName !== name) break;
    deleted.push(await file.delete(model.fileName));
    if (!args.flags.has("versions")) break;
  }
  if (deleted.length === 0) throw new NotFound({ status: 404, code: "not_found", message: `no file ${args.positionals[1]}` });
  ctx.out.result(deleted, () => deleted.map((d) => `deleted ${d.fileName} (${d.fileId})`));
}

export async function hideCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = parseB2Path(args.positionals[1]);
  const [, bucket] = await ctx.findBucket(bucketName);
  const [model] = await bucket.hide(name);
  ctx.out.result(model, () => [`hidden ${model.fileName}`]);
}

export async function cpCommand(ctx: Context, args: Parsed): Promise<void> {
  const src = parseB2Path(args.positionals[1]);
  const dst = parseB2Path(args.positionals[2]);
  const [, srcBucket] = await ctx.findBucket(src.bucket);
  let source: FileModel | undefined;
  for await (const [model] of srcBucket.fileNames({ prefix: src.name, maxFileCount: 1 })) if (model.fileName === src.name) source = model;
  if (!source?.fileId) throw new NotFound({ status: 404, code: "not_found", message: `no file ${args.positionals[1]}` });
  const destinationBucketId = dst.bucket === src.bucket ? undefined : (await ctx.findBucket(dst.bucket))[0].bucketId;
  const [model] = await srcBucket.file(source.fileId).copy({ fileName: dst.name, ...(destinationBucketId ? { destinationBucketId } : {}) });
  ctx.out.result(model, () => [`${model.fileId}  ${model.fileName}`]);
}

export async function urlCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = parseB2Path(args.positionals[1]);
  const [model, bucket] = await ctx.findBucket(bucketName);
  const auth = await ctx.b2.authorize();
  const base = `${auth.apiInfo.storageApi.downloadUrl}/file/${encodeURIComponent(bucketName)}/${name.split("/").map(encodeURIComponent).join("/")}`;
  let url = base;
  if (model.bucketType !== "allPublic") {
    const duration = flagNumber(args, "duration") ?? 3600;
    const grant = await bucket.downloadAuthorization({ fileNamePrefix: name, validDurationInSeconds: duration });
    url = `${base}?Authorization=${encodeURIComponent(grant.authorizationToken)}`;
  }
  ctx.out.result({ url }, () => [url]);
}

export async function authorizeCommand(ctx: Context): Promise<void> {
  const auth = await ctx.b2.authorize();
  const storage = auth.apiInfo.storageApi;
  const view = { accountId: auth.accountId, apiUrl: storage.apiUrl, downloadUrl: storage.downloadUrl, allowed: storage.allowed };
  ctx.out.result(view, () => [`account ${auth.accountId}`, `api ${storage.apiUrl}`, `download ${storage.downloadUrl}`, `capabilities ${storage.allowed?.capabilities?.join(",") ?? ""}`]);
}
