/** `b2kit url b2://BUCKET/NAME [--duration SECONDS]`: a download URL; private buckets get a download-authorization token. */
import { encodeDownloadPath } from "../../core/encoding.js";
import { flagNumber, parseB2Path, type Parsed } from "../args.js";
import type { Context } from "../context.js";

export async function urlCommand(ctx: Context, args: Parsed): Promise<void> {
  const { bucket: bucketName, name } = parseB2Path(args.positionals[1]);
  const duration = flagNumber(args, "duration") ?? 3600;
  const [model, bucket] = await ctx.findBucket(bucketName);
  const auth = await ctx.b2.authorize();
  // B2 file URLs percent-encode each name segment and keep the slashes.
  const url = new URL(`${auth.apiInfo.storageApi.downloadUrl}${encodeDownloadPath(bucketName, name)}`);
  let expires: number | undefined;
  // Unknown type (a key restricted to buckets cannot read it): a token does no harm on a public bucket.
  if (model.bucketType !== "allPublic") {
    const grant = await bucket.downloadAuthorization({ fileNamePrefix: name, validDurationInSeconds: duration });
    url.searchParams.set("Authorization", grant.authorizationToken);
    expires = Date.now() + duration * 1000;
  }
  const text = url.href;
  ctx.out.result({ url: text, ...(expires !== undefined ? { expires: new Date(expires).toISOString() } : {}) }, () => [text]);
}
