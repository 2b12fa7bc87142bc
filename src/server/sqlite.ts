/** better-sqlite3 has no bundled types and @types is not installed: the few calls the server uses, typed here. */
import { createRequire } from "node:module";

export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}

const require = createRequire(import.meta.url);
const BetterSqlite = require("better-sqlite3") as new (file: string, options?: { timeout?: number }) => Database;

/** Another process holds the database (another server on the same data directory). */
export class DatabaseLocked extends Error {
  constructor(readonly file: string) {
    super(`${file} is locked by another process`);
  }
}

/**
 * Opens the store's database and holds it for this process alone until close: another server on the same data
 * directory must refuse to start rather than share it (it would wipe tmp/, collect blobs not yet committed, and
 * write the same store). The lock is SQLite's own (fcntl byte locks on the file), held by the OS for the process,
 * so it goes away with the process however it ends (kill -9 included): no stale lock file to clean up, no pid
 * reuse to guess about. EXCLUSIVE locking mode keeps every lock once taken, and the write transaction at open
 * takes the exclusive one now; another process's first read then fails with SQLITE_BUSY.
 */
export function openDatabase(file: string): Database {
  // The busy timeout only matters here (nothing else ever shares the file): a short grace for a server that is
  // just exiting, not the 5 s default.
  const db = new BetterSqlite(file, { timeout: 500 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") throw new DatabaseLocked(file);
    throw error;
  }
  // FULL: a commit is on disk before the 200 goes out (acknowledged uploads survive kill -9 and power loss).
  db.pragma("synchronous = FULL");
  return db;
}
