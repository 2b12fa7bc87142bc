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
const BetterSqlite = require("better-sqlite3") as new (file: string) => Database;

export function openDatabase(file: string): Database {
  const db = new BetterSqlite(file);
  db.pragma("journal_mode = WAL");
  // FULL: a commit is on disk before the 200 goes out (acknowledged uploads survive kill -9 and power loss).
  db.pragma("synchronous = FULL");
  return db;
}
