/** OPTIONS on download and upload paths: the bucket the request would touch, then its CORS rules decide. */
import { preflight } from "../cors.js";
import { B2Fail } from "../errors.js";
import { decodeHeader } from "../names.js";
import { bucketById, bucketByName, fileById, type BucketRow } from "../rows.js";
import type { Ctx } from "../types.js";

function bucketOf(ctx: Ctx): BucketRow | undefined {
  const { state, params } = ctx;
  switch (ctx.op) {
    case "b2_download_file_by_name":
      return bucketByName(state, decodeHeader(params[0] ?? "", "bucketName"));
    case "b2_download_file_by_id": {
      const file = fileById(state, ctx.url.searchParams.get("fileId") ?? undefined);
      return file ? bucketById(state, file.bucketId) : undefined;
    }
    case "b2_upload_file":
      return bucketById(state, params[0]);
    case "b2_upload_part": {
      const file = fileById(state, params[0]);
      return file ? bucketById(state, file.bucketId) : undefined;
    }
    default:
      return undefined;
  }
}

export function corsPreflight(ctx: Ctx): void {
  const bucket = bucketOf(ctx);
  if (!bucket) throw new B2Fail(404, "not_found", "nothing to preflight at this path");
  preflight(ctx.req, ctx.res, bucket, ctx.op);
}
