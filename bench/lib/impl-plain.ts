/**
 * The baseline: the same bytes over B2's wire protocol with bare node:http — one b2_upload_file
 * POST streamed from disk (SHA-1 known beforehand, no hashing), one GET streamed to disk, list
 * pages in a loop. The single-connection ceiling; small files use the same lanes as b2kit.
 */
import { randomBytes, createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { JobSpec } from "./job-types.js";
import { onLanes } from "./lanes.js";
import { authorize, call, downloadTo, uploadFile, type Auth, type UploadUrl } from "./raw-b2.js";

export interface Prepared {
  run(): Promise<{ bytes: number; files: number }>;
}

export async function prepare(spec: JobSpec): Promise<Prepared> {
  const auth: Auth = await authorize(spec.url, spec.keyId, spec.key);
  const getUrl = (): Promise<UploadUrl> => call<UploadUrl>(auth, "b2_get_upload_url", { bucketId: spec.bucketId });
  switch (spec.kind) {
    case "upload": {
      const url = await getUrl();
      const size = (await stat(spec.path as string)).size;
      return {
        run: async () => (
          await uploadFile(
            url,
            "bench/plain",
            spec.sha1 as string,
            size,
            createReadStream(spec.path as string, { highWaterMark: 1 << 20 }),
          ),
          { bytes: size, files: 1 }
        ),
      };
    }
    case "download":
      return {
        run: async () => ({
          bytes: await downloadTo(auth, spec.fileId as string, createWriteStream(spec.path as string)),
          files: 1,
        }),
      };
    case "small": {
      const count = spec.count as number;
      const data = randomBytes(spec.fileBytes as number);
      const sha1 = createHash("sha1").update(data).digest("hex");
      return {
        run: async () => {
          const urls: UploadUrl[] = [];
          await onLanes(spec.concurrency, count, async (i, lane) => {
            urls[lane] ??= await getUrl();
            await uploadFile(urls[lane] as UploadUrl, `small/plain/${i}`, sha1, data.length, data);
          });
          return { bytes: count * data.length, files: count };
        },
      };
    }
    case "list":
      return {
        run: async () => {
          let files = 0;
          let startFileName: string | null = null;
          do {
            const page: { files: unknown[]; nextFileName: string | null } = await call(auth, "b2_list_file_names", {
              bucketId: spec.bucketId,
              maxFileCount: 10_000,
              ...(startFileName ? { startFileName } : {}),
            });
            files += page.files.length;
            startFileName = page.nextFileName;
          } while (startFileName);
          return { bytes: 0, files };
        },
      };
    default:
      throw new Error(`plain: no ${spec.kind} job`);
  }
}
