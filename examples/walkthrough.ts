/**
 * `npm start`: a walkthrough of b2kit. With B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY set it
 * runs against real B2 in a fresh, uniquely named bucket that it removes afterwards; without them
 * it starts the embedded local B2 server and uses that.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Awaiting, Blocking, type AwaitingBucket } from "../src/index.js";
import { startServer } from "../src/server/index.js";

const sha1 = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");
const step = (text: string): void => console.log(`\n▶ ${text}`);

async function credentials(): Promise<{ keyId: string; key: string; authUrl?: string; stop: () => Promise<void>; where: string }> {
  const keyId = process.env["B2_APPLICATION_KEY_ID"];
  const key = process.env["B2_APPLICATION_KEY"];
  if (keyId && key) {
    const authUrl = process.env["B2_AUTH_URL"];
    return { keyId, key, ...(authUrl ? { authUrl } : {}), stop: async () => undefined, where: authUrl ?? "real B2" };
  }
  const server = await startServer({});
  return { keyId: server.keyId, key: server.key, authUrl: server.url, stop: () => server.close(), where: `the local B2 server at ${server.url}` };
}

async function emptyAndDelete(bucket: AwaitingBucket): Promise<void> {
  for await (const [model, file] of bucket.fileVersions()) await file.delete(model.fileName);
  for await (const [, file] of bucket.unfinishedFiles()) await file.cancel();
  await bucket.delete();
}

async function main(): Promise<void> {
  const creds = await credentials();
  const options = { ...(creds.authUrl ? { authUrl: creds.authUrl } : {}), chunkSize: 5_000_000 };
  const b2 = new Awaiting(creds.keyId, creds.key, options);
  const scratch = await mkdtemp(join(tmpdir(), "b2kit-walkthrough-"));
  let bucket: AwaitingBucket | undefined;
  try {
    step(`Authorizing against ${creds.where}`);
    const auth = await b2.authorize();
    console.log(`  account ${auth.accountId}, API ${auth.apiInfo.storageApi.apiUrl}`);

    const bucketName = `b2kit-walk-${randomBytes(6).toString("hex")}`;
    step(`Creating private bucket ${bucketName}`);
    const [bucketModel, created] = await b2.createBucket({ bucketName });
    bucket = created;
    console.log(`  bucket id ${bucketModel.bucketId}, type ${bucketModel.bucketType}`);

    step("Uploading a small file from memory");
    const hello = new TextEncoder().encode("Hello from b2kit!\n");
    const [small] = await bucket.upload({ fileName: "greetings/hello.txt", contentType: "text/plain", fileInfo: { author: "b2kit" } }, hello);
    console.log(`  ${small.fileName}: ${small.contentLength} bytes, sha1 ${small.contentSha1}`);

    step("Uploading a 12 MB local file as a large file (parallel parts)");
    const bigPath = join(scratch, "big.bin");
    const big = randomBytes(12_000_000);
    await writeFile(bigPath, big);
    let lastReport = 0;
    const [large] = await bucket.uploadFile(
      {
        fileName: "data/big.bin",
        onProgress: ({ bytes, total }) => {
          if (bytes === total || bytes - lastReport >= 4_000_000) {
            lastReport = bytes;
            console.log(`  … ${bytes} / ${total} bytes`);
          }
        },
      },
      bigPath,
    );
    console.log(`  ${large.fileName}: large_file_sha1 ${large.fileInfo["large_file_sha1"]} (local ${sha1(big)})`);

    step("Listing file names");
    for await (const [model] of bucket.fileNames()) console.log(`  ${model.fileName} (${model.contentLength} bytes)`);

    step("Downloading by name and by id, verifying SHA-1");
    const byName = await b2.downloadByName(bucketName, "greetings/hello.txt");
    console.log(`  by name: ${JSON.stringify(new TextDecoder().decode(byName))}`);
    const savedPath = join(scratch, "big.copy");
    await b2.file(large.fileId as string).save({}, savedPath);
    console.log(`  saved big.bin: sha1 ${sha1(await readFile(savedPath))} ${sha1(await readFile(savedPath)) === sha1(big) ? "✓" : "✗"}`);

    step("The same listing through the Blocking client (synchronous, worker-backed)");
    const blocking = new Blocking(creds.keyId, creds.key, options);
    try {
      for (const [model] of blocking.bucket(bucketModel.bucketId).fileNames()) console.log(`  ${model.fileName}`);
    } finally {
      blocking.close();
    }

    step("Cleaning up");
    await emptyAndDelete(bucket);
    bucket = undefined;
    console.log("  bucket removed");
  } finally {
    if (bucket) await emptyAndDelete(bucket).catch((e: unknown) => console.error("cleanup failed:", e));
    await b2.close();
    await rm(scratch, { recursive: true, force: true });
    await creds.stop();
  }
  console.log("\nDone.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
