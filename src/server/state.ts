/** Everything one server instance holds: database, blob store, clock, limits, journal, faults and notifications. */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Blobs } from "./blobs.js";
import { Clock } from "./clock.js";
import { Faults } from "./faults.js";
import { Journal } from "./journal.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import { Notifications } from "./notify.js";
import { SCHEMA } from "./schema.sql.js";
import { DatabaseLocked, openDatabase, type Database } from "./sqlite.js";

export interface StateOptions {
  dataDir: string;
  keyId?: string | undefined;
  key?: string | undefined;
  limits?: Limits;
}

export const ALL_CAPABILITIES = [
  "listKeys", "writeKeys", "deleteKeys", "listAllBucketNames", "listBuckets", "readBuckets", "writeBuckets", "deleteBuckets",
  "readBucketRetentions", "writeBucketRetentions", "readBucketEncryption", "writeBucketEncryption", "readBucketNotifications",
  "writeBucketNotifications", "readBucketReplications", "writeBucketReplications", "listFiles", "readFiles", "shareFiles",
  "writeFiles", "deleteFiles", "readFileLegalHolds", "writeFileLegalHolds", "readFileRetentions", "writeFileRetentions",
  "bypassGovernance",
];

export class ServerState {
  readonly db: Database;
  readonly blobs: Blobs;
  readonly clock = new Clock();
  readonly journal = new Journal();
  readonly faults = new Faults();
  /** Event notification deliveries (webhooks of the buckets' rules). */
  readonly notifications = new Notifications(() => this.accountId);
  limits: Limits;
  readonly accountId: string;
  readonly masterKeyId: string;
  readonly masterKey: string;
  /** Network profile: per-connection bytes per second (also applied to request bodies). */
  bytesPerSec: number | undefined;
  /** Base URL of this server (http://host:port), set once listening. */
  url = "";
  /** Upload tokens with an upload in progress (B2 answers auth_token_limit to a second, concurrent one). */
  readonly uploadsInFlight = new Set<string>();
  /** Counters for X-Bz-Test-Mode (B2 fails "some" requests: here every third). */
  testModeCounter = 0;

  private readonly pidFile: string;

  constructor(options: StateOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    // The database's lock comes first: nothing in the directory (schema, tmp/ wipe, garbage collection) is touched
    // unless this process holds it.
    this.pidFile = join(options.dataDir, PID_FILE);
    try {
      this.db = openDatabase(join(options.dataDir, "b2kit.sqlite"));
    } catch (error) {
      if (!(error instanceof DatabaseLocked)) throw error;
      const pid = readPid(this.pidFile);
      throw new Error(`data directory ${options.dataDir} is in use by another b2kit server${pid ? ` (pid ${pid})` : ""}`);
    }
    // Only for that message: the lock is the database's, so a stale file left by kill -9 is harmless.
    writeFileSync(this.pidFile, `${process.pid}\n`);
    this.db.exec(SCHEMA);
    this.blobs = new Blobs(options.dataDir);
    this.limits = options.limits ?? DEFAULT_LIMITS;
    const meta = (k: string): string | undefined => (this.db.prepare("SELECT v FROM meta WHERE k = ?").get(k) as { v: string } | undefined)?.v;
    const setMeta = (k: string, v: string): void => void this.db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)").run(k, v);
    this.accountId = meta("accountId") ?? randomBytes(6).toString("hex");
    setMeta("accountId", this.accountId);
    this.masterKeyId = options.keyId ?? meta("masterKeyId") ?? this.accountId;
    this.masterKey = options.key ?? meta("masterKey") ?? `K000${randomBytes(15).toString("base64url")}`;
    setMeta("masterKeyId", this.masterKeyId);
    setMeta("masterKey", this.masterKey);
    this.db.prepare("DELETE FROM keys WHERE master = 1").run();
    this.db
      .prepare("INSERT OR REPLACE INTO keys (keyId, secret, keyName, capabilities, bucketIds, namePrefix, expiration, master) VALUES (?, ?, 'master', ?, NULL, NULL, NULL, 1)")
      .run(this.masterKeyId, this.masterKey, JSON.stringify(ALL_CAPABILITIES));
    this.collectGarbage();
  }

  /**
   * Removes blobs no row refers to: content renamed into blobs/ by an upload that crashed before its commit, or
   * left behind when a crash fell between a delete's commit and its file removal.
   */
  collectGarbage(): number {
    const used = new Set<string>();
    for (const row of this.db.prepare("SELECT segments FROM files").all() as { segments: string }[])
      for (const seg of JSON.parse(row.segments) as { path: string }[]) used.add(seg.path);
    for (const row of this.db.prepare("SELECT segment FROM parts").all() as { segment: string }[]) used.add((JSON.parse(row.segment) as { path: string }).path);
    return this.blobs.removeUnused(used);
  }

  close(): void {
    rmSync(this.pidFile, { force: true });
    this.db.close();
  }
}

/** The data directory's note of which process serves it (see the constructor). */
const PID_FILE = "server.pid";

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const newId = (bytes = 12): string => randomBytes(bytes).toString("hex");
