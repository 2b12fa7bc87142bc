/** A small typed client for the server's control API (/__b2kit/), over plain fetch. */
export interface FaultSpec {
  /** B2 operation name (e.g. "b2_upload_file") or "*". */
  op: string;
  status?: number;
  code?: string;
  message?: string;
  retryAfter?: number;
  count?: number;
  skip?: number;
  wire?: "drop_after_commit" | "reset_mid_body" | "stall" | "slow_body";
  stallMs?: number;
  /** Where a stall happens: before the request is handled (default) or halfway through the response body. */
  stallAt?: "start" | "body";
  bytesPerSec?: number;
}

export type { JournalEntry } from "./journal.js";
import type { JournalEntry } from "./journal.js";
export type { NotificationDelivery, NotificationEventType } from "./notify.js";
import type { NotificationDelivery } from "./notify.js";

export interface ClockState {
  now: number;
  offsetSeconds: number;
}

export class ControlClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/__b2kit/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async addFault(fault: FaultSpec): Promise<string> {
    return (await this.call<{ id: string }>("POST", "faults", fault)).id;
  }
  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }
  advanceClock(seconds: number): Promise<ClockState> {
    return this.call("POST", "clock", { advanceSeconds: seconds });
  }
  clock(): Promise<ClockState> {
    return this.call("GET", "clock");
  }
  journal(): Promise<JournalEntry[]> {
    return this.call("GET", "journal");
  }
  async clearJournal(): Promise<void> {
    await this.call("DELETE", "journal");
  }
  setLimits(limits: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call("POST", "limits", limits);
  }
  /** Event notification delivery attempts (webhook POSTs), oldest first. */
  notifications(): Promise<NotificationDelivery[]> {
    return this.call("GET", "notifications");
  }
  async clearNotifications(): Promise<void> {
    await this.call("DELETE", "notifications");
  }
}
