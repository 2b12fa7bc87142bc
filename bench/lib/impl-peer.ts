/**
 * The peer: npm `backblaze-b2` 1.7.1 (B2 API v2) used the way its README shows. It takes data as
 * a Buffer, so a file is read into memory first; a large file goes up as parts from that buffer
 * on `concurrency` lanes (one b2_get_upload_part_url per lane); downloads stream one GET to disk.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import type { JobSpec } from "./job-types.js";
import { onLanes } from "./lanes.js";
import type { Prepared } from "./impl-plain.js";

// backblaze-b2 ships no types; this is the part of it the bench uses.
interface PeerB2 {
  authorize(args?: object): Promise<unknown>;
  getUploadUrl(args: object): Promise<{ data: { uploadUrl: string; authorizationToken: string } }>;
  uploadFile(args: object): Promise<{ data: { fileId: string } }>;
  startLargeFile(args: object): Promise<{ data: { fileId: string } }>;
  getUploadPartUrl(args: object): Promise<{ data: { uploadUrl: string; authorizationToken: string } }>;
  uploadPart(args: object): Promise<{ data: { contentSha1: string } }>;
  finishLargeFile(args: object): Promise<unknown>;
  listFileNames(args: object): Promise<{ data: { files: unknown[]; nextFileName: string | null } }>;
  downloadFileById(args: object): Promise<{ data: Readable }>;
}
const B2 = createRequire(import.meta.url)("backblaze-b2") as new (options: object) => PeerB2;

export async function prepare(spec: JobSpec): Promise<Prepared> {
  const b2 = new B2({ applicationKeyId: spec.keyId, applicationKey: spec.key, retry: { retries: 0 } });
  await b2.authorize({ axiosOverride: { url: `${spec.url}/b2api/v2/b2_authorize_account` } });
  switch (spec.kind) {
    case "upload": {
      const path = spec.path as string;
      const size = (await stat(path)).size;
      return {
        run: async () => {
          const data = await readFile(path);
          const { fileId } = (await b2.startLargeFile({ bucketId: spec.bucketId, fileName: "bench/peer" })).data;
          const parts = Math.ceil(size / spec.chunkSize);
          const sha1s: string[] = [];
          const urls: { uploadUrl: string; authorizationToken: string }[] = [];
          await onLanes(spec.concurrency, parts, async (i, lane) => {
            urls[lane] ??= (await b2.getUploadPartUrl({ fileId })).data;
            const url = urls[lane];
            const part = data.subarray(i * spec.chunkSize, Math.min(size, (i + 1) * spec.chunkSize));
            const r = await b2.uploadPart({
              partNumber: i + 1,
              uploadUrl: url.uploadUrl,
              uploadAuthToken: url.authorizationToken,
              data: part,
            });
            sha1s[i] = r.data.contentSha1;
          });
          await b2.finishLargeFile({ fileId, partSha1Array: sha1s });
          return { bytes: size, files: 1 };
        },
      };
    }
    case "download":
      return {
        run: async () => {
          const res = await b2.downloadFileById({ fileId: spec.fileId, responseType: "stream" });
          await pipeline(res.data, createWriteStream(spec.path as string));
          return { bytes: (await stat(spec.path as string)).size, files: 1 };
        },
      };
    case "small": {
      const count = spec.count as number;
      const data = randomBytes(spec.fileBytes as number);
      return {
        run: async () => {
          const urls: { uploadUrl: string; authorizationToken: string }[] = [];
          await onLanes(spec.concurrency, count, async (i, lane) => {
            urls[lane] ??= (await b2.getUploadUrl({ bucketId: spec.bucketId })).data;
            const url = urls[lane];
            await b2.uploadFile({
              uploadUrl: url.uploadUrl,
              uploadAuthToken: url.authorizationToken,
              fileName: `small/peer/${i}`,
              data,
            });
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
            const page: { files: unknown[]; nextFileName: string | null } = (
              await b2.listFileNames({
                bucketId: spec.bucketId,
                maxFileCount: 10_000,
                startFileName: startFileName ?? "",
                delimiter: "",
                prefix: "",
              })
            ).data;
            files += page.files.length;
            startFileName = page.nextFileName;
          } while (startFileName);
          return { bytes: 0, files };
        },
      };
    default:
      throw new Error(`peer: no ${spec.kind} job`);
  }
}
