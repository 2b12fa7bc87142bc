/**
 * Every public method of both clients, in one place. CI typechecks this file, so a change of
 * the public surface that breaks callers fails the build. (Run the walkthrough for a live demo.)
 */
import { Awaiting, Blocking, NotFound } from "../src/index.js";
import type { AuthModel, BucketModel, FileModel, KeyModel, PartModel, UploadUrlModel } from "../src/index.js";

export async function awaitingTour(b2: Awaiting, localPath: string): Promise<void> {
  const auth: AuthModel = await b2.authorize();
  console.log(auth.accountId);
  for await (const [model] of b2.buckets()) console.log(model.bucketName);
  const [bucketModel, bucket]: [BucketModel, unknown] = await b2.createBucket({ bucketName: "b2kit-tour-bucket" });
  console.log(bucketModel.bucketId, bucket);
  const b = b2.bucket(bucketModel.bucketId);
  const [keyModel, key] = await b2.createKey({ keyName: "tour-key", capabilities: ["listFiles"] });
  const k: KeyModel = keyModel;
  for await (const [m, , next] of b2.keys(100)) console.log(m.keyName, next);
  console.log(b2.key(k.applicationKeyId).keyId);
  await key.delete().catch((e: unknown) => {
    if (!(e instanceof NotFound)) throw e;
  });

  const [fileModel, file] = await b.upload({ fileName: "hello.txt" }, new TextEncoder().encode("hello"));
  await b.uploadFile({ fileName: "local.bin" }, localPath);
  const url: UploadUrlModel = await b.uploadUrl();
  console.log(url.uploadUrl, fileModel.fileId);
  for await (const [m, f, nextName] of b.fileNames({ prefix: "" })) console.log(m.fileName, f.fileId, nextName);
  for await (const [m, , nextName, nextId] of b.fileVersions()) console.log(m.action, nextName, nextId);
  for await (const [m, f, nextId] of b.unfinishedFiles()) console.log(m.fileName, f.fileId, nextId);
  await b.hide("hello.txt");
  await b.downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 60 });
  await b.notificationRules();
  await b.setNotificationRules([]);
  await b.update({ bucketType: "allPrivate" });
  const bytes: Uint8Array = await b2.downloadByName("b2kit-tour-bucket", "hello.txt");
  console.log(bytes.byteLength);

  const info: FileModel = await file.get();
  await file.download({ range: "bytes=0-1" });
  for await (const chunk of file.downloadIterate()) console.log(chunk.byteLength);
  await file.save({}, `${localPath}.copy`);
  const [copyModel, copy] = await file.copy({ fileName: "copy.txt" });
  await copy.delete(copyModel.fileName);
  await file.updateLegalHold("off").catch(() => undefined);
  await file.updateRetention({ fileRetention: { mode: null, retainUntilTimestamp: null } }).catch(() => undefined);
  await b2.file(info.fileId as string).delete();

  const [, large] = await b.createPart({ fileName: "large.bin" });
  await large.uploadUrl();
  const parts = large.parts();
  const part: PartModel = await parts.data(new Uint8Array(5_000_000));
  await parts.copy({ sourceFileId: info.fileId as string });
  await parts.file(localPath);
  for await (const [p, nextPart] of parts.list()) console.log(p.partNumber, nextPart, part.partNumber);
  await parts.finish();
  await b.file(info.fileId as string).cancel().catch(() => undefined);
  await b.delete();
  await b2.close();
}

export function blockingTour(b2: Blocking, localPath: string): void {
  const auth: AuthModel = b2.authorize();
  console.log(auth.accountId);
  for (const [model] of b2.buckets()) console.log(model.bucketName);
  const [bucketModel] = b2.createBucket({ bucketName: "b2kit-tour-bucket" });
  const b = b2.bucket(bucketModel.bucketId);
  const [keyModel, key] = b2.createKey({ keyName: "tour-key", capabilities: ["listFiles"] });
  for (const [m, , next] of b2.keys(100)) console.log(m.keyName, next);
  console.log(b2.key(keyModel.applicationKeyId).keyId);
  key.delete();

  const [fileModel, file] = b.upload({ fileName: "hello.txt" }, new TextEncoder().encode("hello"));
  b.uploadFile({ fileName: "local.bin" }, localPath);
  console.log(b.uploadUrl().uploadUrl, fileModel.fileId);
  for (const [m, f, nextName] of b.fileNames({ prefix: "" })) console.log(m.fileName, f.fileId, nextName);
  for (const [m, , nextName, nextId] of b.fileVersions()) console.log(m.action, nextName, nextId);
  for (const [m, f, nextId] of b.unfinishedFiles()) console.log(m.fileName, f.fileId, nextId);
  b.hide("hello.txt");
  b.downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 60 });
  b.notificationRules();
  b.setNotificationRules([]);
  b.update({ bucketType: "allPrivate" });
  console.log(b2.downloadByName("b2kit-tour-bucket", "hello.txt").byteLength);

  const info = file.get();
  file.download({ range: "bytes=0-1" });
  for (const chunk of file.downloadIterate()) console.log(chunk.byteLength);
  file.save({}, `${localPath}.copy`);
  const [copyModel, copy] = file.copy({ fileName: "copy.txt" });
  copy.delete(copyModel.fileName);
  file.updateLegalHold("off");
  file.updateRetention({ fileRetention: { mode: null, retainUntilTimestamp: null } });
  b2.file(info.fileId as string).delete();

  const [, large] = b.createPart({ fileName: "large.bin" });
  large.uploadUrl();
  const parts = large.parts();
  parts.data(new Uint8Array(5_000_000));
  parts.copy({ sourceFileId: info.fileId as string });
  parts.file(localPath);
  for (const [p, nextPart] of parts.list()) console.log(p.partNumber, nextPart);
  parts.finish();
  b.file(info.fileId as string).cancel();
  b.delete();
  b2.close();
}
