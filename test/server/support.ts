/** Raw-HTTP helpers for the server tests (no SDK): authorize, JSON calls checked against the spec, uploads. */
import { createHash } from "node:crypto";
import { startServer, type LocalB2Server, type StartServerOptions } from "../../src/server/index.js";
import { assertConforms } from "./conformance.js";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export const sha1 = (data: Uint8Array | string): string => createHash("sha1").update(data).digest("hex");
export const basic = (keyId: string, key: string): string => `Basic ${Buffer.from(`${keyId}:${key}`).toString("base64")}`;

/** A server plus an authorized master session with spec-checked helpers. */
export class Session {
  token = "";
  accountId = "";
  constructor(
    readonly server: LocalB2Server,
    readonly version = 4,
  ) {}

  static async start(options: StartServerOptions = {}): Promise<Session> {
    const s = new Session(await startServer(options));
    await s.login();
    return s;
  }

  get url(): string {
    return this.server.url;
  }

  async authorize(keyId: string, key: string, version = this.version): Promise<Reply> {
    const r = await fetch(`${this.url}/b2api/v${version}/b2_authorize_account`, { headers: { authorization: basic(keyId, key) } });
    const reply = { status: r.status, body: await r.json(), headers: r.headers };
    if (version === 4) assertConforms("b2_authorize_account", r.status, reply.body);
    return reply;
  }

  async login(keyId = this.server.keyId, key = this.server.key): Promise<void> {
    const r = await this.authorize(keyId, key);
    if (r.status !== 200) throw new Error(`authorize failed: ${JSON.stringify(r.body)}`);
    this.token = r.body.authorizationToken;
    this.accountId = r.body.accountId;
  }

  /** A JSON operation; the response is checked against the spec (v4). */
  async call(op: string, body: unknown, options: { token?: string | null; version?: number; method?: string } = {}): Promise<Reply> {
    const version = options.version ?? this.version;
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== null) headers["authorization"] = token;
    const method = options.method ?? "POST";
    let url = `${this.url}/b2api/v${version}/${op}`;
    if (method === "GET") url += `?${new URLSearchParams(body as Record<string, string>)}`;
    const r = await fetch(url, { method, headers, ...(method === "POST" ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    const reply = { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
    if (version === 4) assertConforms(op, r.status, reply.body);
    return reply;
  }

  /** Like call, but fails the test unless 200. */
  async ok(op: string, body: unknown, options: { token?: string | null; version?: number; method?: string } = {}): Promise<any> {
    const r = await this.call(op, body, options);
    if (r.status !== 200) throw new Error(`${op}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async bucket(name = `b-${Math.random().toString(36).slice(2, 10)}`, extra: Record<string, unknown> = {}): Promise<any> {
    return this.ok("b2_create_bucket", { accountId: this.accountId, bucketName: name, bucketType: "allPrivate", ...extra });
  }

  async uploadUrl(bucketId: string): Promise<{ uploadUrl: string; authorizationToken: string }> {
    return this.ok("b2_get_upload_url", { bucketId });
  }

  /** b2_upload_file with a fresh upload URL; extra headers override the defaults. */
  async upload(bucketId: string, fileName: string, data: Uint8Array | string, headers: Record<string, string> = {}): Promise<Reply> {
    const u = await this.uploadUrl(bucketId);
    return this.uploadTo(u, fileName, data, headers);
  }

  async uploadTo(u: { uploadUrl: string; authorizationToken: string }, fileName: string, data: Uint8Array | string, headers: Record<string, string> = {}): Promise<Reply> {
    const r = await fetch(u.uploadUrl, {
      method: "POST",
      headers: {
        authorization: u.authorizationToken,
        "x-bz-file-name": encodeURIComponent(fileName).replace(/%2F/g, "/"),
        "content-type": "text/plain",
        "x-bz-content-sha1": sha1(data),
        ...headers,
      },
      body: data,
    });
    const reply = { status: r.status, body: await r.json(), headers: r.headers };
    assertConforms("b2_upload_file", r.status, reply.body);
    return reply;
  }

  async uploaded(bucketId: string, fileName: string, data: Uint8Array | string, headers: Record<string, string> = {}): Promise<any> {
    const r = await this.upload(bucketId, fileName, data, headers);
    if (r.status !== 200) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** GET/HEAD on a download path; error bodies are checked against the spec. */
  async download(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Headers; bytes: Buffer; json?: any }> {
    const r = await fetch(`${this.url}${path}`, { method, headers: { authorization: this.token, ...headers } });
    const bytes = Buffer.from(await r.arrayBuffer());
    const op = path.startsWith("/file/") ? "b2_download_file_by_name" : "b2_download_file_by_id";
    const json = r.status >= 400 && bytes.length ? JSON.parse(bytes.toString()) : undefined;
    if (json) assertConforms(op, r.status, json);
    return { status: r.status, headers: r.headers, bytes, ...(json ? { json } : {}) };
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

export const encodeName = (name: string): string => encodeURIComponent(name).replace(/%2F/g, "/");
