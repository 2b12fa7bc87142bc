/**
 * Replays the recorded real-B2 v2 traffic (../shared/fixtures/recorded-b2-v2) against the local server: ids in
 * requests are adapted (recorded id -> the id our server returned at the same place), objects the recording
 * assumes already existed are seeded on first reference, and each answer must have the recorded status and shape.
 */
import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { Session, sha1 } from "./support.js";

const DIR = new URL("../../../shared/fixtures/recorded-b2-v2/", import.meta.url);
const SEED_CONTENT = "Some text\n";
const BUCKET = "8d625eb63be2775577c70e1a";
const LOCK_BUCKET = "cd120e962b02c7a577e70e1a";
const FILE_ID = /4_z[0-9a-f]{24}_f[0-9a-f]+_d\d{8}_m\d{6}_c\d{3}_v\d{7}_t\d{4}/g;
const ID_FIELDS = new Set(["accountId", "bucketId", "fileId", "applicationKeyId", "uploadUrl", "nextFileId", "largeFileId"]);
/** Fields of real responses that B2 documents nowhere (the reference notes them as undocumented extras). */
const UNDOCUMENTED = new Set([
  "b2_create_key.authorizationToken",
  "b2_list_keys.keys[0].nextApplicationId",
]);
/** User-defined maps: their keys are data, not shape. */
const USER_MAPS = new Set(["fileInfo", "bucketInfo"]);

interface Exchange {
  Request: { method: string; url: string; headers: Record<string, string[]>; body: string };
  Response: { status: number; headers: Record<string, string[]>; body: string };
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));

/** Keys of `recorded` must be present in `ours` with compatible types; arrays compared by their first items. */
function sameShape(recorded: unknown, ours: unknown, path: string, problems: string[]): void {
  if (recorded === null || ours === null || recorded === undefined) return;
  if (Array.isArray(recorded)) {
    if (!Array.isArray(ours)) return void problems.push(`${path}: array expected`);
    if (recorded.length && ours.length) sameShape(recorded[0], ours[0], `${path}[0]`, problems);
    return;
  }
  if (typeof recorded !== typeof ours) return void problems.push(`${path}: ${typeof recorded} expected, got ${typeof ours}`);
  if (typeof recorded === "object") {
    for (const [k, v] of Object.entries(recorded as Record<string, unknown>)) {
      const field = `${path}.${k}`;
      if (!(k in (ours as Record<string, unknown>))) {
        if (!UNDOCUMENTED.has(field)) problems.push(`${field}: missing`);
        continue;
      }
      if (!USER_MAPS.has(k)) sameShape(v, (ours as Record<string, unknown>)[k], field, problems);
    }
  }
}

class Replayer {
  readonly ids = new Map<string, string>();
  /** Recorded upload URL -> our upload URL and token. */
  readonly uploads = new Map<string, { url: string; token: string }>();
  constructor(readonly s: Session) {
    this.ids.set("hidden-account-id", s.accountId);
  }

  static async create(): Promise<Replayer> {
    const s = await Session.start({ limits: { minPartSize: 5_000_000 } });
    const r = new Replayer(s);
    r.ids.set(BUCKET, (await s.bucket("testing-b2-client")).bucketId);
    r.ids.set(LOCK_BUCKET, (await s.bucket("testing-b2-lock", { fileLockEnabled: true })).bucketId);
    return r;
  }

  /** Learns recorded -> ours for every id field found at the same place in both bodies. */
  learn(recorded: unknown, ours: unknown): void {
    if (!recorded || !ours || typeof recorded !== "object" || typeof ours !== "object") return;
    if (Array.isArray(recorded)) return recorded.forEach((v, i) => this.learn(v, (ours as unknown[])[i]));
    for (const [k, v] of Object.entries(recorded as Record<string, unknown>)) {
      const o = (ours as Record<string, unknown>)[k];
      if (ID_FIELDS.has(k) && typeof v === "string" && typeof o === "string" && !this.ids.has(v)) this.ids.set(v, o);
      else this.learn(v, o);
    }
    const rec = recorded as Record<string, unknown>;
    const mine = ours as Record<string, unknown>;
    if (typeof rec["uploadUrl"] === "string" && typeof mine["uploadUrl"] === "string")
      this.uploads.set(new URL(rec["uploadUrl"]).pathname, { url: mine["uploadUrl"], token: String(mine["authorizationToken"]) });
  }

  /** Replaces recorded ids with ours; unknown file ids get a seeded file (a new version of the named file). */
  async adapt(text: string, fileName: string | undefined): Promise<string> {
    for (const id of text.match(FILE_ID) ?? []) {
      if (this.ids.has(id)) continue;
      const bucket = this.ids.get(id.slice(3, 27)) ?? this.ids.get(BUCKET) ?? "";
      const f = await this.s.uploaded(bucket, fileName ?? "test-file.txt", SEED_CONTENT, { "x-bz-info-src_last_modified_millis": "1637248673875" });
      this.ids.set(id, f.fileId);
    }
    if (/"applicationKeyId":"002d2e6b27577ea0000000008"/.test(text) && !this.ids.has("002d2e6b27577ea0000000008")) {
      const k = await this.s.ok("b2_create_key", { accountId: this.s.accountId, keyName: "my-special-key", capabilities: ["listFiles"] });
      this.ids.set("002d2e6b27577ea0000000008", k.applicationKeyId);
    }
    let out = text;
    for (const [from, to] of [...this.ids].sort((a, b) => b[0].length - a[0].length)) out = out.split(from).join(to);
    return out;
  }

  /** The recording downloads a name it assumes exists (uploaded between recorded sessions): seed it if ours is hidden. */
  async ensureVisible(bucketName: string, fileName: string): Promise<void> {
    const bucket = (await this.s.ok("b2_list_buckets", { accountId: this.s.accountId, bucketName })).buckets[0];
    const listed = await this.s.ok("b2_list_file_names", { bucketId: bucket.bucketId, prefix: fileName, maxFileCount: 1 });
    if (listed.files[0]?.fileName !== fileName) await this.s.uploaded(bucket.bucketId, fileName, SEED_CONTENT, { "x-bz-info-src_last_modified_millis": "1637248673875" });
  }

  async play(ex: Exchange): Promise<{ status: number; body: string; headers: Headers }> {
    const { Request: req, Response: rec } = ex;
    const path = new URL(req.url).pathname + new URL(req.url).search;
    const upload = this.uploads.get(new URL(req.url).pathname);
    let bodyText = req.body === "aaaaa for 5 MB of data" ? "a".repeat(5_242_880) : req.body;
    const name = /"fileName":"([^"]+)"/.exec(bodyText)?.[1];
    bodyText = await this.adapt(bodyText, name);
    const headers: Record<string, string> = {};
    for (const [k, [v = ""] = []] of Object.entries(req.headers)) if (k !== "user-agent" && k !== "content-length") headers[k] = v;
    if (path.includes("b2_authorize_account"))
      headers["authorization"] = `Basic ${Buffer.from(`${this.s.server.keyId}:${rec.status === 200 ? this.s.server.key : "wrong"}`).toString("base64")}`;
    else if (upload) headers["authorization"] = upload.token;
    else if (headers["authorization"]) headers["authorization"] = this.s.token;
    const byName = /^\/file\/([^/]+)\/([^?]+)/.exec(path);
    if (byName && rec.status === 200) await this.ensureVisible(decodeURIComponent(byName[1] ?? ""), decodeURIComponent(byName[2] ?? ""));
    const url = upload ? upload.url : `${this.s.url}${await this.adapt(path, name)}`;
    const sendBody = req.method !== "GET" && req.method !== "HEAD" && bodyText !== "";
    const r = await fetch(url, { method: req.method, headers, ...(sendBody ? { body: bodyText } : {}) });
    return { status: r.status, body: await r.text(), headers: r.headers };
  }
}

let replayer: Replayer | undefined;
afterEach(async () => {
  await replayer?.s.close();
  replayer = undefined;
});

describe("recorded real B2 traffic replays with the same status and shape", () => {
  it.each(fixtures)("%s", async (fixture) => {
    replayer = await Replayer.create();
    const exchanges = parseAllDocuments(readFileSync(new URL(fixture, DIR), "utf8")).map((d) => {
      const [a, b] = d.toJS() as [{ Request: Exchange["Request"] }, { Response: Exchange["Response"] }];
      return { Request: a.Request, Response: b.Response };
    });
    for (const ex of exchanges) {
      const op = /\/(b2_[a-z_]+)/.exec(ex.Request.url)?.[1] ?? "b2_download_file_by_name";
      const ours = await replayer.play(ex);
      const label = `${fixture}: ${ex.Request.method} ${op}`;
      expect(ours.status, `${label} -> ${ours.body.slice(0, 300)}`).toBe(ex.Response.status);
      const json = (ex.Response.headers["content-type"]?.[0] ?? "").startsWith("application/json");
      if (json) {
        const recorded = JSON.parse(ex.Response.body) as unknown;
        const mine = JSON.parse(ours.body) as unknown;
        const problems: string[] = [];
        sameShape(recorded, mine, op, problems);
        expect(problems, label).toEqual([]);
        replayer.learn(recorded, mine);
      } else {
        expect(ours.body, label).toBe(ex.Response.body);
        for (const h of Object.keys(ex.Response.headers).filter((k) => k.startsWith("x-bz-") || k === "content-range"))
          expect(ours.headers.has(h), `${label}: header ${h}`).toBe(true);
      }
    }
    expect(sha1(SEED_CONTENT)).toBe("5a08924b0ef1cccfb5de1d94e3d75c38dc0d3c79");
  });
});
