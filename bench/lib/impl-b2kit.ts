/** b2kit's own jobs, Awaiting and Blocking, through the public API only. */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Awaiting, Blocking } from "../../src/index.js";
import type { JobSpec } from "./job-types.js";
import { onLanes } from "./lanes.js";
import type { Prepared } from "./impl-plain.js";

export async function prepare(spec: JobSpec): Promise<Prepared> {
  const options = { authUrl: spec.url, chunkSize: spec.chunkSize, concurrency: spec.concurrency };
  const blocking = spec.impl === "blocking";
  const b2 = blocking ? new Blocking(spec.keyId, spec.key, options) : new Awaiting(spec.keyId, spec.key, options);
  await b2.authorize();
  const bucket = b2.bucket(spec.bucketId);
  switch (spec.kind) {
    case "upload":
    case "stream": {
      const path = spec.path as string;
      const size = (await stat(path)).size;
      const fileName = `bench/${spec.impl}`;
      return {
        run: async () => {
          if (spec.kind === "upload") await bucket.uploadFile({ fileName }, path);
          else await bucket.uploadStream({ fileName }, createReadStream(path, { highWaterMark: 1 << 20 }));
          return { bytes: size, files: 1 };
        },
      };
    }
    case "download":
      return {
        run: async () => {
          await b2.file(spec.fileId as string).save({}, spec.path as string);
          return { bytes: (await stat(spec.path as string)).size, files: 1 };
        },
      };
    case "small": {
      const count = spec.count as number;
      const data = randomBytes(spec.fileBytes as number);
      return {
        run: async () => {
          // Blocking calls cannot overlap in one thread: one lane.
          await onLanes(blocking ? 1 : spec.concurrency, count, async (i) => {
            await bucket.upload({ fileName: `small/${spec.impl}/${i}` }, data);
          });
          return { bytes: count * data.length, files: count };
        },
      };
    }
    case "list":
      return {
        run: async () => {
          let files = 0;
          for await (const _ of bucket.fileNames({ maxFileCount: 10_000 })) files++;
          return { bytes: 0, files };
        },
      };
  }
}
