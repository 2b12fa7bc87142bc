/**
 * Event notifications: when a file version is created, hidden or deleted, every enabled rule of its bucket whose
 * event types and object name prefix match gets a webhook POST of `{"events": [event]}` once the change is
 * committed (fire and forget, one retry), signed with `X-Bz-Event-Notification-Signature: v1=<hex HMAC-SHA256 of
 * the body>` when the rule has a signing secret, with the rule's custom headers. Each attempt is recorded for the
 * control API (`GET /__b2kit/notifications`).
 */
import { createHmac, randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import type { BucketRow } from "./rows.js";

export type NotificationEventType =
  | "b2:ObjectCreated:Upload"
  | "b2:ObjectCreated:MultipartUpload"
  | "b2:ObjectCreated:Copy"
  | "b2:ObjectDeleted:Delete"
  | "b2:ObjectDeleted:LifecycleRule"
  | "b2:HideMarkerCreated:Hide"
  | "b2:HideMarkerCreated:LifecycleRule";

/** The file version an event is about. */
export interface EventObject {
  fileId: string;
  fileName: string;
  contentLength: number;
}

interface Rule {
  name: string;
  eventTypes: string[];
  objectNamePrefix: string;
  isEnabled: boolean;
  isSuspended?: boolean;
  targetConfiguration: { targetType: string; url: string; hmacSha256SigningSecret?: string | null; customHeaders?: { name: string; value: string }[] | null };
}

/** One delivery attempt, as the control API lists it. */
export interface NotificationDelivery {
  seq: number;
  /** Wall-clock ms when the attempt ended. */
  at: number;
  ruleName: string;
  url: string;
  eventId: string;
  eventType: NotificationEventType;
  objectName: string;
  /** 1, or 2 for the retry. */
  attempt: number;
  /** The webhook's HTTP status; 0 when it gave none (connection refused, TLS failure, timeout). */
  status: number;
  error?: string;
}

const TIMEOUT_MS = 10_000;
const RETRY_AFTER_MS = 500;
const MAX_DELIVERIES = 10_000;

/** `b2:ObjectCreated:*` covers its category; anything else names one event type. */
export function eventTypeMatches(pattern: string, type: string): boolean {
  return pattern === type || (pattern.endsWith(":*") && type.startsWith(pattern.slice(0, -1)));
}

export class Notifications {
  private deliveries: NotificationDelivery[] = [];
  private seq = 0;
  /** Deliveries under way (a closing server may wait for them). */
  readonly pending = new Set<Promise<void>>();
  /** PEM certificates trusted, besides the system's, for https webhooks (a local receiver's self-signed one). */
  ca: string | undefined;

  constructor(private readonly accountId: () => string) {}

  list(): NotificationDelivery[] {
    return this.deliveries;
  }
  clear(): void {
    this.deliveries = [];
  }

  /** Call after the commit: posts the event to each matching rule's webhook, in the background. */
  emit(bucket: BucketRow, eventType: NotificationEventType, object: EventObject, now: number): void {
    if (bucket.notificationRules === "[]") return;
    for (const rule of JSON.parse(bucket.notificationRules) as Rule[]) {
      if (rule.isEnabled !== true || rule.isSuspended === true) continue;
      if (!object.fileName.startsWith(rule.objectNamePrefix ?? "")) continue;
      if (!rule.eventTypes.some((t) => eventTypeMatches(t, eventType))) continue;
      const event = {
        accountId: this.accountId(),
        bucketId: bucket.bucketId,
        bucketName: bucket.bucketName,
        eventId: randomBytes(16).toString("hex"),
        eventTimestamp: now,
        eventType,
        eventVersion: 1,
        matchedRuleName: rule.name,
        objectName: object.fileName,
        objectSize: object.contentLength,
        objectVersionId: object.fileId,
      };
      const done = this.deliver(rule, event).catch((error: unknown) => console.error("b2kit server: event notification failed", error));
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    }
  }

  private async deliver(rule: Rule, event: { eventId: string; eventType: NotificationEventType; objectName: string }): Promise<void> {
    const body = JSON.stringify({ events: [event] });
    const target = rule.targetConfiguration;
    const headers: Record<string, string> = {};
    for (const h of target.customHeaders ?? []) headers[h.name] = h.value;
    headers["Content-Type"] = "application/json";
    const secret = target.hmacSha256SigningSecret;
    if (secret) headers["X-Bz-Event-Notification-Signature"] = `v1=${createHmac("sha256", secret).update(body).digest("hex")}`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      let status = 0;
      let error: string | undefined;
      try {
        status = await post(target.url, body, headers, this.ca);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      this.record({ ruleName: rule.name, url: target.url, eventId: event.eventId, eventType: event.eventType, objectName: event.objectName, attempt, status, ...(error ? { error } : {}) });
      if (status >= 200 && status < 300) return;
      if (attempt === 1) await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
    }
  }

  private record(entry: Omit<NotificationDelivery, "seq" | "at">): void {
    this.deliveries.push({ seq: ++this.seq, at: Date.now(), ...entry });
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
  }
}

/** One POST; resolves with the response status once its body has been read. */
function post(url: string, body: string, headers: Record<string, string>, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = { method: "POST", headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, timeout: TIMEOUT_MS };
    const onResponse = (res: IncomingMessage): void => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    };
    const req = target.protocol === "https:" ? httpsRequest(target, { ...options, ...(ca ? { ca: [...rootCertificates, ca] } : {}) }, onResponse) : httpRequest(target, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
