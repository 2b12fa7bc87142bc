/** The client the commands share, built from the environment like the official `b2` tool. */
import { Awaiting, type AwaitingBucket } from "../../generated/awaiting.js";
import { NotFound } from "../errors.js";
import { UsageError } from "./args.js";
import type { Output } from "./output.js";

/** What commands need to know about a bucket. `bucketType` is unknown for a key restricted to buckets. */
export interface BucketRef {
  bucketId: string;
  bucketName: string;
  bucketType?: string;
}

export interface Context {
  b2: Awaiting;
  out: Output;
  /** The buckets a bucket-restricted key may use (from its authorization), or undefined for an unrestricted key. */
  allowedBuckets(): Promise<BucketRef[] | undefined>;
  findBucket(name: string): Promise<[BucketRef, AwaitingBucket]>;
}

export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): Awaiting {
  const keyId = env["B2_APPLICATION_KEY_ID"];
  const key = env["B2_APPLICATION_KEY"];
  if (!keyId || !key) throw new UsageError("set B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY (and B2_AUTH_URL for another endpoint)");
  return new Awaiting(keyId, key, env["B2_AUTH_URL"] ? { authUrl: env["B2_AUTH_URL"] } : {});
}

export function createContext(out: Output, env: NodeJS.ProcessEnv = process.env): Context {
  const b2 = clientFromEnv(env);
  const allowedBuckets = async (): Promise<BucketRef[] | undefined> => {
    const buckets = (await b2.authorize()).apiInfo.storageApi.allowed.buckets;
    // A deleted bucket stays in the key's list with a null name.
    return buckets?.flatMap((b) => (b.name ? [{ bucketId: b.id, bucketName: b.name }] : []));
  };
  return {
    b2,
    out,
    allowedBuckets,
    async findBucket(name) {
      // B2 refuses an unfiltered b2_list_buckets to a key restricted to buckets, and the SDK's
      // listing sends no filter, so such a key's own authorization names its buckets.
      const allowed = await allowedBuckets();
      if (allowed) {
        const ref = allowed.find((b) => b.bucketName === name);
        if (!ref) throw new NotFound({ status: 404, code: "not_found", message: `this key is restricted to ${allowed.map((b) => b.bucketName).join(", ") || "no existing bucket"}, not ${name}` });
        return [ref, b2.bucket(ref.bucketId)];
      }
      for await (const [model, bucket] of b2.buckets()) if (model.bucketName === name) return [model, bucket];
      throw new NotFound({ status: 404, code: "not_found", message: `no bucket named ${name}` });
    },
  };
}
