/** The operation table: B2 operation name -> handler. */
import type { OpDef } from "../types.js";
import { bucketOps } from "./buckets.js";
import { downloadOps } from "./download.js";
import { fileOps } from "./files.js";
import { keyOps } from "./keys.js";
import { largeOps } from "./large.js";
import { listingOps } from "./listing.js";
import { uploadOps } from "./upload.js";

export const OPS: Record<string, OpDef> = { ...keyOps, ...bucketOps, ...uploadOps, ...largeOps, ...listingOps, ...fileOps, ...downloadOps };
