/** The client the commands share, built from the environment like the official `b2` tool. */
import { Awaiting, type AwaitingBucket } from "../../generated/awaiting.js";
import { NotFound } from "../errors.js";
import type { BucketModel } from "../models.js";
import { UsageError } from "./args.js";
import type { Output } from "./output.js";

export interface Context {
  b2: Awaiting;
  out: Output;
  findBucket(name: string): Promise<[BucketModel, AwaitingBucket]>;
}

export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): Awaiting {
  const keyId = env["B2_APPLICATION_KEY_ID"];
  const key = env["B2_APPLICATION_KEY"];
  if (!keyId || !key) throw new UsageError("set B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY (and B2_AUTH_URL for another endpoint)");
  return new Awaiting(keyId, key, env["B2_AUTH_URL"] ? { authUrl: env["B2_AUTH_URL"] } : {});
}

export function createContext(out: Output, env: NodeJS.ProcessEnv = process.env): Context {
  const b2 = clientFromEnv(env);
  return {
    b2,
    out,
    async findBucket(name) {
      for await (const [model, bucket] of b2.buckets()) if (model.bucketName === name) return [model, bucket];
      throw new NotFound({ status: 404, code: "not_found", message: `no bucket named ${name}` });
    },
  };
}
