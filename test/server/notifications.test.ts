import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

/** A real https webhook receiver on loopback (self-signed certificate the server is told to trust). */
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const SECRET = "Kq3dT7wY1pZ8sV2nB6mC4xR9eU0aL5hJ";
let dir: string;
let cert: string;
let receiver: Server;
let received: Received[] = [];
/** Statuses the receiver answers with, in order; 200 once used up. */
let answers: number[] = [];
let hook = "";
let s: Session;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "b2kit-hooks-"));
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ]);
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  receiver = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  hook = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  s = await Session.start({ webhookCa: cert, limits: { minPartSize: 10, recommendedPartSize: 10 } });
});
beforeEach(async () => {
  received = [];
  answers = [];
  await s.server.control.clearNotifications();
});
afterAll(async () => {
  await s.close();
  await new Promise((r) => receiver.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function rule(name: string, eventTypes: string[], objectNamePrefix: string, target: Record<string, unknown> = {}, isEnabled = true): unknown {
  return { name, eventTypes, objectNamePrefix, isEnabled, targetConfiguration: { targetType: "webhook", url: `${hook}/${name}`, ...target } };
}

async function bucketWith(rules: unknown[]): Promise<any> {
  const b = await s.bucket();
  await s.ok("b2_set_bucket_notification_rules", { bucketId: b.bucketId, eventNotificationRules: rules });
  return b;
}

/** Waits until `n` webhook POSTs have arrived. */
async function receivedAtLeast(n: number): Promise<Received[]> {
  await expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThanOrEqual(n);
  return received;
}

const events = (r: Received): any[] => JSON.parse(r.body).events;
const signatureOf = (body: string): string => `v1=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

describe("event notifications are delivered to the rules' webhooks", () => {
  it("an upload matching a rule: the event, signed, with the custom headers", async () => {
    const b = await bucketWith([
      rule("uploads-in", ["b2:ObjectCreated:*"], "in/", { hmacSha256SigningSecret: SECRET, customHeaders: [{ name: "X-Hook-Token", value: "t0k3n" }] }),
    ]);
    const f = await s.uploaded(b.bucketId, "in/a.txt", "hello");
    const [got] = await receivedAtLeast(1);
    expect(got?.path).toBe("/uploads-in");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["x-hook-token"]).toBe("t0k3n");
    expect(got?.headers["x-bz-event-notification-signature"]).toBe(signatureOf(got?.body ?? ""));
    const [event] = events(got as Received);
    expect(event).toEqual({
      accountId: s.accountId,
      bucketId: b.bucketId,
      bucketName: b.bucketName,
      eventId: expect.any(String),
      eventTimestamp: f.uploadTimestamp,
      eventType: "b2:ObjectCreated:Upload",
      eventVersion: 1,
      matchedRuleName: "uploads-in",
      objectName: "in/a.txt",
      objectSize: 5,
      objectVersionId: f.fileId,
    });
    await expect.poll(async () => (await s.server.control.notifications()).length).toBe(1);
    const log = await s.server.control.notifications();
    expect(log).toMatchObject([{ ruleName: "uploads-in", eventType: "b2:ObjectCreated:Upload", objectName: "in/a.txt", attempt: 1, status: 200, eventId: event.eventId }]);
  });

  it("nothing for a name outside the prefix, an event type the rule does not name, or a disabled rule", async () => {
    const b = await bucketWith([rule("uploads-in", ["b2:ObjectCreated:Upload"], "in/"), rule("disabled", ["b2:ObjectCreated:*"], "off/", {}, false)]);
    await s.uploaded(b.bucketId, "out/b.txt", "nope");
    await s.uploaded(b.bucketId, "off/c.txt", "nope");
    const src = await s.uploaded(b.bucketId, "in/x.txt", "x");
    await s.ok("b2_copy_file", { sourceFileId: src.fileId, fileName: "in/copy.txt" });
    await receivedAtLeast(1);
    await settle();
    expect(received.map((r) => events(r)[0].objectName)).toEqual(["in/x.txt"]);
    expect(received[0]?.headers["x-bz-event-notification-signature"]).toBeUndefined();
    await expect.poll(async () => (await s.server.control.notifications()).map((d) => d.objectName)).toEqual(["in/x.txt"]);
  });

  it("multipart uploads, copies, hide markers and deletions each have their event type", async () => {
    const b = await bucketWith([rule("created-all", ["b2:ObjectCreated:*"], ""), rule("gone-and-hidden", ["b2:ObjectDeleted:*", "b2:HideMarkerCreated:*"], "")]);
    const start = await s.ok("b2_start_large_file", { bucketId: b.bucketId, fileName: "big.bin", contentType: "b2/x-auto" });
    const u = await s.ok("b2_get_upload_part_url", { fileId: start.fileId });
    const parts = ["first part", "second"];
    for (const [i, data] of parts.entries()) {
      const r = await fetch(u.uploadUrl, { method: "POST", headers: { authorization: u.authorizationToken, "x-bz-part-number": String(i + 1), "x-bz-content-sha1": sha1(data) }, body: data });
      expect(r.status).toBe(200);
    }
    await s.ok("b2_finish_large_file", { fileId: start.fileId, partSha1Array: parts.map((p) => sha1(p)) });
    await receivedAtLeast(1);
    const copy = await s.ok("b2_copy_file", { sourceFileId: start.fileId, fileName: "copy.bin" });
    await receivedAtLeast(2);
    const hidden = await s.ok("b2_hide_file", { bucketId: b.bucketId, fileName: "copy.bin" });
    await receivedAtLeast(3);
    await s.ok("b2_delete_file_version", { fileId: copy.fileId, fileName: "copy.bin" });
    const all = await receivedAtLeast(4);
    expect(all.map((r) => [r.path, ...["eventType", "objectName", "objectSize", "objectVersionId"].map((k) => events(r)[0][k])])).toEqual([
      ["/created-all", "b2:ObjectCreated:MultipartUpload", "big.bin", 16, start.fileId],
      ["/created-all", "b2:ObjectCreated:Copy", "copy.bin", 16, copy.fileId],
      ["/gone-and-hidden", "b2:HideMarkerCreated:Hide", "copy.bin", 0, hidden.fileId],
      ["/gone-and-hidden", "b2:ObjectDeleted:Delete", "copy.bin", 16, copy.fileId],
    ]);
  });

  it("lifecycle rules' hide markers and deletions have their LifecycleRule event types", async () => {
    const b = await bucketWith([rule("lifecycle", ["b2:HideMarkerCreated:LifecycleRule", "b2:ObjectDeleted:LifecycleRule"], "")]);
    await s.ok("b2_update_bucket", { accountId: s.accountId, bucketId: b.bucketId, lifecycleRules: [{ fileNamePrefix: "", daysFromUploadingToHiding: 1, daysFromHidingToDeleting: 1 }] });
    const f = await s.uploaded(b.bucketId, "old.txt", "old");
    await s.server.control.advanceClock(2 * 86_400);
    await receivedAtLeast(1);
    await s.server.control.advanceClock(2 * 86_400);
    await s.login();
    const all = await receivedAtLeast(2);
    expect(all.map((r) => [events(r)[0].eventType, events(r)[0].objectName])).toEqual([
      ["b2:HideMarkerCreated:LifecycleRule", "old.txt"],
      ["b2:ObjectDeleted:LifecycleRule", "old.txt"],
    ]);
    expect(events(all[1] as Received)[0].objectVersionId).toBe(f.fileId);
  });

  it("a failed delivery is retried once", async () => {
    const b = await bucketWith([rule("retried", ["b2:ObjectCreated:Upload"], "")]);
    answers = [503];
    await s.uploaded(b.bucketId, "r.txt", "retry me");
    const [first, second] = await receivedAtLeast(2);
    expect(second?.body).toBe(first?.body);
    await expect.poll(async () => (await s.server.control.notifications()).map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it("an untrusted certificate is a failed delivery, recorded, and the upload still succeeds", async () => {
    const t = await Session.start();
    try {
      const b = await t.bucket();
      await t.ok("b2_set_bucket_notification_rules", { bucketId: b.bucketId, eventNotificationRules: [rule("untrusted", ["b2:ObjectCreated:*"], "")] });
      expect((await t.upload(b.bucketId, "u.txt", "u")).status).toBe(200);
      await expect.poll(async () => (await t.server.control.notifications()).length, { timeout: 5000 }).toBe(2);
      const log = await t.server.control.notifications();
      expect(log.every((d) => d.status === 0 && typeof d.error === "string")).toBe(true);
      expect(received).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
