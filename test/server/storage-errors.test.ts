/**
 * Upload bodies: a storage failure on the server (here ENOTDIR: the data directory's tmp/ replaced by a regular file)
 * is the server's fault, a retryable 500 internal_error; only a failure of the request stream itself (the client
 * went away mid-body) is the client's 400. Both for small bodies (hashed on the event loop) and large ones (> 1 MiB,
 * hashed by the body workers).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Blobs } from "../../src/server/blobs.js";
import { B2Fail } from "../../src/server/errors.js";
import { startServer } from "../../src/server/index.js";
import { receive } from "../../src/server/ops/body.js";
import type { ServerState } from "../../src/server/state.js";
import { Session, sha1 } from "./support.js";

let s: Session;
let dataDir: string;
let bucket: any;
const SIZES = [["small", 5_000], ["large", 2 << 20]] as const;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "b2kit-storage-errors-"));
  s = new Session(await startServer({ dataDir }));
  await s.login();
  bucket = await s.bucket();
});
afterAll(async () => {
  await s?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function breakStorage(): void {
  rmSync(join(dataDir, "tmp"), { recursive: true, force: true });
  writeFileSync(join(dataDir, "tmp"), "not a directory");
}
function repairStorage(): void {
  rmSync(join(dataDir, "tmp"), { force: true });
  mkdirSync(join(dataDir, "tmp"));
}

describe("storage failures while receiving an upload", () => {
  it.each(SIZES)("%s body (%i bytes): 500 internal_error, nothing kept; uploads work again once storage is back", async (_label, size) => {
    const data = Buffer.alloc(size, 7);
    const blobsBefore = readdirSync(join(dataDir, "blobs")).length;
    breakStorage();
    try {
      const r = await s.upload(bucket.bucketId, `broken-${size}.bin`, data);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ status: 500, code: "internal_error" });
    } finally {
      repairStorage();
    }
    expect(readdirSync(join(dataDir, "blobs")).length).toBe(blobsBefore);
    const names = await s.ok("b2_list_file_names", { bucketId: bucket.bucketId, startFileName: `broken-${size}.bin`, maxFileCount: 1 });
    expect(names.files.filter((f: any) => f.fileName === `broken-${size}.bin`)).toHaveLength(0);
    const ok = await s.upload(bucket.bucketId, `fine-${size}.bin`, data);
    expect(ok.status).toBe(200);
    expect(ok.body.contentSha1).toBe(sha1(data));
  });

});

/** A request whose body stream fails after half the announced bytes: the client's fault. */
function cutShortRequest(size: number, failure: "aborted" | "premature close"): IncomingMessage {
  const half = Buffer.alloc(Math.floor(size / 2), 1);
  const req = new Readable({ read() {} }) as Readable & { headers: Record<string, string> };
  req.headers = { "content-length": String(size), "x-bz-content-sha1": "do_not_verify" };
  req.push(half);
  setTimeout(() => (failure === "aborted" ? req.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" })) : req.destroy()), 20);
  return req as unknown as IncomingMessage;
}

// In process: over a real socket a client that has gone away never reads its answer (the journal says status 0).
describe("request stream failures while receiving an upload (in process, real Blobs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "b2kit-storage-errors-inproc-"));
  const state = { blobs: new Blobs(dir) } as unknown as ServerState;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SIZES.flatMap(([label, size]) => (["aborted", "premature close"] as const).map((f) => [label, size, f] as const)))(
    "%s body (%i bytes), client %s: 400 bad_request",
    async (_label, size, failure) => {
      const error = await receive(state, cutShortRequest(size, failure), 10 << 20, undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(B2Fail);
      expect(error).toMatchObject({ status: 400, code: "bad_request" });
      expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    },
  );

  it.each(SIZES)("%s body (%i bytes), storage broken: 500 internal_error", async (_label, size) => {
    rmSync(join(dir, "tmp"), { recursive: true, force: true });
    writeFileSync(join(dir, "tmp"), "not a directory");
    try {
      const req = Readable.from([Buffer.alloc(size, 1)]) as Readable & { headers: Record<string, string> };
      req.headers = { "content-length": String(size), "x-bz-content-sha1": "do_not_verify" };
      const error = await receive(state, req as unknown as IncomingMessage, 10 << 20, undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status: 500, code: "internal_error" });
    } finally {
      rmSync(join(dir, "tmp"), { force: true });
      mkdirSync(join(dir, "tmp"));
    }
  });
});
