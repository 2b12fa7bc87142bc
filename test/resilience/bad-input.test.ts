/**
 * Bad input: every rule B2's documented limits make checkable is refused before any request
 * (not even an authorization) with a ValidationError whose message names the rule.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError, type NotificationRule } from "../../src/index.js";
import { clearJournal, client, failure, flavors, journal, startLocal, type Awaiting, type Server } from "./support.js";
import { scratchDir } from "../support/scratch.js";

const scratch = scratchDir("b2kit-bad-input-");
const localFile = (): string => {
  const path = join(scratch, "local.bin");
  writeFileSync(path, new Uint8Array(20_000));
  return path;
};

let server: Server;
beforeAll(async () => {
  server = await startLocal();
});
afterAll(async () => {
  await server?.close();
});

const webhook = (over: Record<string, unknown> = {}, target: Record<string, unknown> = {}): NotificationRule =>
  ({
    name: "rule-one",
    eventTypes: ["b2:ObjectCreated:*"],
    objectNamePrefix: "",
    isEnabled: true,
    targetConfiguration: { targetType: "webhook", url: "https://example.com/hook", ...target },
    ...over,
  }) as unknown as NotificationRule;

type Case = [title: string, rule: RegExp, call: (b2: Awaiting) => Promise<unknown>];

const bytes = (n: number): Uint8Array => new Uint8Array(n);
const bucket = (b2: Awaiting) => b2.bucket("4a48fe8875c6214145260818");
const file = (b2: Awaiting) => b2.file("4_z4a48fe8875c6214145260818_f1_d20250101_m000000_c000_v0001_t0001");

const cases: Case[] = [
  // File names
  ["file name over 1024 bytes", /1024 bytes/, (b2) => bucket(b2).upload({ fileName: "é".repeat(513) }, bytes(1))],
  ["file name with a control character", /control characters/, (b2) => bucket(b2).upload({ fileName: "a\u0001b" }, bytes(1))],
  ["file name with DEL", /DEL/, (b2) => bucket(b2).upload({ fileName: "a\u007fb" }, bytes(1))],
  ["file name with a leading /", /start or end with '\/'/, (b2) => bucket(b2).upload({ fileName: "/a" }, bytes(1))],
  ["file name with a trailing /", /start or end with '\/'/, (b2) => bucket(b2).upload({ fileName: "a/" }, bytes(1))],
  ["file name with //", /'\/\/'/, (b2) => bucket(b2).upload({ fileName: "a//b" }, bytes(1))],
  ["empty file name", /non-empty/, (b2) => bucket(b2).upload({ fileName: "" }, bytes(1))],
  ["file name with an unpaired surrogate", /surrogate/, (b2) => bucket(b2).upload({ fileName: "a\ud800b" }, bytes(1))],
  ["hide: bad file name", /control characters/, (b2) => bucket(b2).hide("x\u0000")],
  ["large file start: bad file name", /'\/\/'/, (b2) => bucket(b2).createPart({ fileName: "x//y" })],
  ["copy: bad file name", /start or end/, (b2) => file(b2).copy({ fileName: "/copy" })],
  ["delete: bad file name", /1024 bytes/, (b2) => file(b2).delete("x".repeat(1025))],
  ["download by name: bad file name", /'\/\/'/, (b2) => b2.downloadByName("good-bucket", "a//b")],
  ["uploadFile: bad file name", /'\/\/'/, (b2) => bucket(b2).uploadFile({ fileName: "a//b" }, localFile())],
  ["uploadFile: bad b2-* info", /HTTP date/, (b2) => bucket(b2).uploadFile({ fileName: "f", expires: "soon" }, localFile())],
  ["uploadFile: concurrency 0", /concurrency 0/, (b2) => bucket(b2).uploadFile({ fileName: "f", concurrency: 0 }, localFile())],
  ["uploadFile: concurrency 1.5", /concurrency 1.5/, (b2) => bucket(b2).uploadFile({ fileName: "f", concurrency: 1.5 }, localFile())],
  // fileInfo and the header budget
  ["fileInfo key with a space", /fileInfo key/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { "has space": "x" } }, bytes(1))],
  ["fileInfo key over 50 bytes", /50 bytes/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { ["k".repeat(51)]: "x" } }, bytes(1))],
  ["reserved b2- fileInfo key", /reserved/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { "b2-secret": "x" } }, bytes(1))],
  ["src_last_modified_millis not a number", /base-10/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { src_last_modified_millis: "yesterday" } }, bytes(1))],
  ["lastModified not a number", /base-10/, (b2) => bucket(b2).upload({ fileName: "f", lastModified: Number.NaN }, bytes(1))],
  ["name + info over 7000 bytes", /at most 7000/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { big: "v".repeat(7000) } }, bytes(1))],
  [
    "name + info over 2048 bytes with SSE",
    /at most 2048/,
    (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { big: "v".repeat(2100) }, serverSideEncryption: { mode: "SSE-B2" } }, bytes(1)),
  ],
  ["large file start: src_last_modified_millis not a number", /base-10/, (b2) => bucket(b2).createPart({ fileName: "f", fileInfo: { src_last_modified_millis: "" } })],
  ["large file start: info over 7000 bytes", /at most 7000/, (b2) => bucket(b2).createPart({ fileName: "f", fileInfo: { big: "v".repeat(7000) } })],
  ["copy: bad fileInfo key", /fileInfo key/, (b2) => file(b2).copy({ fileName: "c", metadataDirective: "REPLACE", contentType: "text/plain", fileInfo: { "a b": "x" } })],
  // Values B2 serves as real headers (b2-* infos, download overrides), held to their grammars
  ["contentDisposition with a raw non-ASCII file name", /filename|token|quoted/, (b2) => bucket(b2).upload({ fileName: "f", contentDisposition: 'attachment; filename="自由.txt"' }, bytes(1))],
  ["b2-expires info that is not an HTTP date", /HTTP date/, (b2) => bucket(b2).upload({ fileName: "f", fileInfo: { "b2-expires": "tomorrow" } }, bytes(1))],
  ["large file start: b2-cache-control info with a line break", /directives/, (b2) => bucket(b2).createPart({ fileName: "f", fileInfo: { "b2-cache-control": "no-cache\r\nX-Evil: 1" } })],
  ["download authorization: b2ContentLanguage not a language tag", /language tags/, (b2) => bucket(b2).downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 60, b2ContentLanguage: "en_US" })],
  ["bucket Cache-Control info with a non-ASCII value", /directives/, (b2) => b2.createBucket({ bucketName: "good-bucket-1", bucketInfo: { "Cache-Control": "max-age=\u00e9" } })],
  ["download: b2ContentDisposition with a raw non-ASCII file name", /filename|token|quoted/, (b2) => file(b2).download({ b2ContentDisposition: 'attachment; filename="自由.txt"' })],
  ["parts copy: open-ended range", /bytes=START-END/, (b2) => file(b2).parts().copy({ sourceFileId: "x", range: "bytes=5-" })],
  // SSE-C keys and content types go in headers: refused before sending, the key never repeated
  ["SSE-C key with a line break", /customerKey: the base64 of a 32-byte/, (b2) => bucket(b2).upload({ fileName: "f", serverSideEncryption: { mode: "SSE-C", customerKey: "a\nb" } }, bytes(1))],
  ["SSE-C key of 16 bytes", /customerKey: the base64 of a 32-byte/, (b2) => bucket(b2).upload({ fileName: "f", serverSideEncryption: { mode: "SSE-C", customerKey: Buffer.alloc(16).toString("base64") } }, bytes(1))],
  ["download: SSE-C key not base64", /customerKey/, (b2) => file(b2).download({ serverSideEncryption: { customerKey: "not a key" } })],
  ["copy: SSE-C source key not base64", /customerKey/, (b2) => file(b2).copy({ fileName: "c", sourceServerSideEncryption: { mode: "SSE-C", customerKey: "x" } })],
  ["content type with a line break", /content type/, (b2) => bucket(b2).upload({ fileName: "f", contentType: "text/plain\r\nX-Evil: 1" }, bytes(1))],
  // Bucket names
  ["bucket name too short", /6 to 63/, (b2) => b2.createBucket({ bucketName: "abc" })],
  ["bucket name too long", /6 to 63/, (b2) => b2.createBucket({ bucketName: "a".repeat(64) })],
  ["bucket name with _", /letters, digits and '-'/, (b2) => b2.createBucket({ bucketName: "bad_name" })],
  ["bucket name starting b2-", /b2-/, (b2) => b2.createBucket({ bucketName: "b2-reserved" })],
  ["download by name: bad bucket name", /invalid bucket name/, (b2) => b2.downloadByName("no", "file.txt")],
  // Keys and capabilities
  ["key name with a space", /key name/, (b2) => b2.createKey({ keyName: "bad name", capabilities: ["listFiles"] })],
  ["key name over 100 characters", /key name/, (b2) => b2.createKey({ keyName: "k".repeat(101), capabilities: ["listFiles"] })],
  ["no capabilities", /at least one capability/, (b2) => b2.createKey({ keyName: "k", capabilities: [] })],
  ["bucket-restricted key with an account-wide capability", /restricted to buckets: writeKeys/, (b2) => b2.createKey({ keyName: "k", capabilities: ["listFiles", "writeKeys"], bucketIds: ["4a48fe8875c6214145260818"] })],
  ["unknown capability", /capability "readEverything"/, (b2) => b2.createKey({ keyName: "k", capabilities: ["readEverything"] as never })],
  // Durations
  ["key duration 0", /1 to 86400000/, (b2) => b2.createKey({ keyName: "k", capabilities: ["listFiles"], validDurationInSeconds: 0 })],
  ["key duration over 1000 days", /1 to 86400000/, (b2) => b2.createKey({ keyName: "k", capabilities: ["listFiles"], validDurationInSeconds: 86_400_001 })],
  ["download authorization 0 s", /1 to 604800/, (b2) => bucket(b2).downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 0 })],
  ["download authorization over a week", /1 to 604800/, (b2) => bucket(b2).downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 604_801 })],
  ["download authorization 1.5 s", /1 to 604800/, (b2) => bucket(b2).downloadAuthorization({ fileNamePrefix: "", validDurationInSeconds: 1.5 })],
  // Parts
  ["part number 10001", /1 to 10000/, (b2) => file(b2).parts(10_000).data(bytes(10))],
  ["empty part", /part size/, (b2) => file(b2).parts().data(bytes(0))],
  ["copied part number 10001", /1 to 10000/, (b2) => file(b2).parts(10_000).copy({ sourceFileId: "x" })],
  // Ranges
  ["range without bytes=", /invalid range/, (b2) => file(b2).download({ range: "0-99" })],
  ["range with start after end", /start is after end/, (b2) => file(b2).download({ range: "bytes=9-1" })],
  ["copy range malformed", /invalid range/, (b2) => file(b2).copy({ fileName: "c", range: "bytes=a-b" })],
  ["copy part range malformed", /invalid range/, (b2) => file(b2).parts().copy({ sourceFileId: "x", range: "items=0-1" })],
  // Page sizes
  ["file names page over 10000", /1 to 10000/, (b2) => collect(bucket(b2).fileNames({ maxFileCount: 10_001 }))],
  ["unfinished files page over 100", /1 to 100\b/, (b2) => collect(bucket(b2).unfinishedFiles({ maxFileCount: 101 }))],
  ["parts page over 1000", /1 to 1000\b/, (b2) => collect(file(b2).parts().list(1001))],
  // Lifecycle rules
  ["lifecycle rule with no days", /at least one of/, (b2) => bucket(b2).update({ lifecycleRules: [{ fileNamePrefix: "" }] as never })],
  ["lifecycle rule with 0 days", /positive whole number/, (b2) => bucket(b2).update({ lifecycleRules: [{ fileNamePrefix: "", daysFromHidingToDeleting: 0 }] })],
  [
    "overlapping lifecycle prefixes",
    /overlaps/,
    (b2) =>
      b2.createBucket({
        bucketName: "lifecycle-bucket",
        lifecycleRules: [
          { fileNamePrefix: "logs/", daysFromHidingToDeleting: 1 },
          { fileNamePrefix: "logs/old/", daysFromHidingToDeleting: 2 },
        ],
      }),
  ],
  // CORS rules
  [
    "CORS maxAgeSeconds over a day",
    /maxAgeSeconds/,
    (b2) => bucket(b2).update({ corsRules: [{ corsRuleName: "rule-one", allowedOrigins: ["*"], allowedOperations: ["b2_download_file_by_id"], maxAgeSeconds: 90_000 }] }),
  ],
  [
    "CORS '*' origin beside another",
    /'\*' must be the only entry/,
    (b2) => bucket(b2).update({ corsRules: [{ corsRuleName: "rule-one", allowedOrigins: ["*", "https://x.example.com"], allowedOperations: ["b2_download_file_by_id"], maxAgeSeconds: 1 }] }),
  ],
  [
    "CORS unknown operation",
    /unknown operation/,
    (b2) => bucket(b2).update({ corsRules: [{ corsRuleName: "rule-one", allowedOrigins: ["*"], allowedOperations: ["b2_delete_everything"], maxAgeSeconds: 1 }] as never }),
  ],
  // Notification rules
  ["notification rule name too short", /name must be 6 to 63/, (b2) => bucket(b2).setNotificationRules([webhook({ name: "abc" })])],
  ["notification rule without event types", /at least one event type/, (b2) => bucket(b2).setNotificationRules([webhook({ eventTypes: [] })])],
  ["notification rule with unknown event type", /unknown event type/, (b2) => bucket(b2).setNotificationRules([webhook({ eventTypes: ["b2:Everything"] })])],
  ["notification webhook on http", /https URL/, (b2) => bucket(b2).setNotificationRules([webhook({}, { url: "http://example.com" })])],
  ["notification secret not 32 alphanumerics", /32 letters and digits/, (b2) => bucket(b2).setNotificationRules([webhook({}, { hmacSha256SigningSecret: "short" })])],
  ["notification maxEventsPerBatch 51", /1 to 50/, (b2) => bucket(b2).setNotificationRules([webhook({ maxEventsPerBatch: 51 })])],
  ["26 notification rules", /at most 25/, (b2) => bucket(b2).setNotificationRules(Array.from({ length: 26 }, (_, i) => webhook({ name: `rule-${100 + i}` })))],
  ["duplicate notification rule names", /duplicate name/, (b2) => bucket(b2).setNotificationRules([webhook(), webhook({ objectNamePrefix: "x/" })])],
];

describe.each(flavors)("%s: a client header HTTP cannot carry", (flavor) => {
  it("fails the first call with a ValidationError at once: nothing sent, no retries, no value quoted", async () => {
    const bad = client(flavor, server, { headers: { "X-Custom": "line\nbreak-secret" } });
    try {
      await clearJournal(server);
      const started = Date.now();
      const error = await failure(() => bad.bucket("4a48fe8875c6214145260818").upload({ fileName: "f" }, new Uint8Array(1)));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).not.toContain("break-secret");
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await journal(server)).toEqual([]);
    } finally {
      await bad.close();
    }
  });
});

async function collect(items: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of items) void _;
}

describe.each(flavors)("%s: bad input is refused before any request", (flavor) => {
  let b2: Awaiting;
  beforeAll(async () => {
    // Never authorized: any request at all (authorization included) would show in the journal.
    b2 = client(flavor, server);
    await clearJournal(server);
  });
  afterAll(async () => {
    await b2.close();
  });

  it.each(cases)("%s", async (_title, rule, call) => {
    const error = await failure(() => call(b2));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).message).toMatch(rule);
    expect(await journal(server)).toEqual([]);
  });
});
