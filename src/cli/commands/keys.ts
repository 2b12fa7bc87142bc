/** `b2kit key list|create|delete`. */
import { flagNumber, flagString, UsageError, type Parsed } from "../args.js";
import type { KeyModel } from "../../models.js";
import type { Context } from "../context.js";

export async function keyCommand(ctx: Context, args: Parsed): Promise<void> {
  const [, sub, first, caps] = args.positionals;
  switch (sub) {
    case "list": {
      const rows: KeyModel[] = [];
      for await (const [model] of ctx.b2.keys()) rows.push(model);
      ctx.out.result(rows, () => rows.map((k) => `${k.applicationKeyId}  ${k.keyName}  ${k.capabilities.join(",")}`));
      return;
    }
    case "create": {
      if (!first || !caps) throw new UsageError("usage: b2kit key create NAME CAP[,CAP...] [--bucket NAME] [--prefix P] [--duration SECONDS]");
      const prefix = flagString(args, "prefix");
      const duration = flagNumber(args, "duration");
      const bucketName = flagString(args, "bucket");
      const bucketIds = bucketName ? [(await ctx.findBucket(bucketName))[0].bucketId] : undefined;
      const [model] = await ctx.b2.createKey({
        keyName: first,
        capabilities: caps.split(","),
        ...(bucketIds ? { bucketIds } : {}),
        ...(prefix !== undefined ? { namePrefix: prefix } : {}),
        ...(duration !== undefined ? { validDurationInSeconds: duration } : {}),
      });
      ctx.out.result(model, () => [`${model.applicationKeyId} ${model.applicationKey ?? ""}`.trim()]);
      return;
    }
    case "delete": {
      if (!first) throw new UsageError("usage: b2kit key delete KEYID");
      const model = await ctx.b2.key(first).delete();
      ctx.out.result(model, () => [`deleted ${model.applicationKeyId} (${model.keyName})`]);
      return;
    }
    default:
      throw new UsageError("usage: b2kit key list|create|delete ...");
  }
}
