/** `b2kit bucket list|create|update|delete`. */
import { flagString, UsageError, type Parsed } from "../args.js";
import type { BucketRef, Context } from "../context.js";

/** `--info K=V,K2=V2` (replaces the bucket info; `--info ""` clears it). */
function parseInfo(text: string): Record<string, string> {
  const pairs = text === "" ? [] : text.split(",").map((kv) => kv.split(/=(.*)/s, 2));
  if (pairs.some((p) => p.length !== 2 || !p[0])) throw new UsageError("--info takes KEY=VALUE[,KEY=VALUE...]");
  return Object.fromEntries(pairs);
}

export async function bucketCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, sub, name, type] = args.positionals;
  switch (sub) {
    case "list": {
      // A key restricted to buckets may not list the account's buckets: show the ones it may use.
      const allowed = await ctx.allowedBuckets();
      const rows: BucketRef[] = allowed ?? [];
      if (!allowed) for await (const [model] of ctx.b2.buckets()) rows.push(model);
      ctx.out.result(rows, () => rows.map((b) => `${b.bucketId}  ${(b.bucketType ?? "?").padEnd(10)}  ${b.bucketName}`));
      return;
    }
    case "create": {
      if (!name) throw new UsageError("usage: b2kit bucket create NAME [allPrivate|allPublic]");
      const [model] = await ctx.b2.createBucket({ bucketName: name, bucketType: type ?? "allPrivate" });
      ctx.out.result(model, () => [model.bucketId]);
      return;
    }
    case "update": {
      if (!name) throw new UsageError("usage: b2kit bucket update NAME [allPrivate|allPublic] [--info KEY=VALUE,...]");
      // The command line is checked before anything is sent.
      const info = flagString(args, "info");
      const bucketType = type ?? flagString(args, "type");
      const settings = { ...(bucketType ? { bucketType } : {}), ...(info !== undefined ? { bucketInfo: parseInfo(info) } : {}) };
      const [, bucket] = await ctx.findBucket(name);
      const model = await bucket.update(settings);
      ctx.out.result(model, () => [`${model.bucketName}: ${model.bucketType}, revision ${model.revision}`]);
      return;
    }
    case "delete": {
      if (!name) throw new UsageError("usage: b2kit bucket delete NAME");
      const [, bucket] = await ctx.findBucket(name);
      const model = await bucket.delete();
      ctx.out.result(model, () => [`deleted ${model.bucketName}`]);
      return;
    }
    default:
      throw new UsageError("usage: b2kit bucket list|create|update|delete ...");
  }
}
