/** SQLite schema. JSON columns hold the B2 structures as stored; names compare as UTF-8 bytes (BINARY collation). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
  keyId TEXT PRIMARY KEY, secret TEXT NOT NULL, keyName TEXT NOT NULL, capabilities TEXT NOT NULL,
  bucketIds TEXT, namePrefix TEXT, expiration INTEGER, master INTEGER NOT NULL DEFAULT 0, multiBucket INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
  token TEXT PRIMARY KEY, kind TEXT NOT NULL, keyId TEXT NOT NULL, expires INTEGER NOT NULL,
  target TEXT, uploadUrlId TEXT
);
CREATE TABLE IF NOT EXISTS buckets (
  bucketId TEXT PRIMARY KEY, bucketName TEXT NOT NULL UNIQUE, bucketType TEXT NOT NULL, bucketInfo TEXT NOT NULL,
  corsRules TEXT NOT NULL, lifecycleRules TEXT NOT NULL, defaultSse TEXT NOT NULL, fileLock TEXT NOT NULL,
  replication TEXT, notificationRules TEXT NOT NULL DEFAULT '[]', revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, fileId TEXT NOT NULL UNIQUE, bucketId TEXT NOT NULL, fileName TEXT NOT NULL,
  action TEXT NOT NULL, contentLength INTEGER NOT NULL, contentSha1 TEXT, contentMd5 TEXT, contentType TEXT,
  fileInfo TEXT NOT NULL, uploadTimestamp INTEGER NOT NULL, sse TEXT, retention TEXT, legalHold TEXT,
  segments TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS files_by_name ON files (bucketId, fileName, seq);
CREATE TABLE IF NOT EXISTS parts (
  fileId TEXT NOT NULL, partNumber INTEGER NOT NULL, contentLength INTEGER NOT NULL, contentSha1 TEXT NOT NULL,
  contentMd5 TEXT, uploadTimestamp INTEGER NOT NULL, segment TEXT NOT NULL, PRIMARY KEY (fileId, partNumber)
);
CREATE TABLE IF NOT EXISTS download_auths (
  token TEXT PRIMARY KEY, keyId TEXT NOT NULL, bucketId TEXT NOT NULL, prefix TEXT NOT NULL, expires INTEGER NOT NULL,
  overrides TEXT NOT NULL
);
`;
