/** Just enough of B2's wire protocol over node:http for the baselines and the bench setup (no SDK). */
import { Agent, request, type IncomingMessage } from "node:http";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Auth {
  apiUrl: string;
  downloadUrl: string;
  token: string;
  accountId: string;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string | number>,
  body?: Buffer | Readable,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, resolve);
    req.on("error", reject);
    if (body === undefined || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req).on("error", reject);
  });
}

async function text(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

async function json<T>(res: IncomingMessage, what: string): Promise<T> {
  const body = await text(res);
  if ((res.statusCode ?? 0) >= 300) throw new Error(`${what}: ${res.statusCode} ${body}`);
  return JSON.parse(body) as T;
}

export async function authorize(url: string, keyId: string, key: string): Promise<Auth> {
  const res = await send(`${url}/b2api/v4/b2_authorize_account`, "GET", {
    authorization: `Basic ${Buffer.from(`${keyId}:${key}`).toString("base64")}`,
  });
  const a = await json<{
    accountId: string;
    authorizationToken: string;
    apiInfo: { storageApi: { apiUrl: string; downloadUrl: string } };
  }>(res, "authorize");
  return {
    apiUrl: a.apiInfo.storageApi.apiUrl,
    downloadUrl: a.apiInfo.storageApi.downloadUrl,
    token: a.authorizationToken,
    accountId: a.accountId,
  };
}

export async function call<T>(auth: Auth, op: string, body: unknown): Promise<T> {
  const data = Buffer.from(JSON.stringify(body));
  return json<T>(
    await send(
      `${auth.apiUrl}/b2api/v4/${op}`,
      "POST",
      { authorization: auth.token, "content-type": "application/json", "content-length": data.length },
      data,
    ),
    op,
  );
}

export interface UploadUrl {
  uploadUrl: string;
  authorizationToken: string;
}

/** One b2_upload_file POST; `body` is a buffer or a stream of `length` bytes. */
export async function uploadFile(
  url: UploadUrl,
  fileName: string,
  sha1: string,
  length: number,
  body: Buffer | Readable,
): Promise<{ fileId: string }> {
  const res = await send(
    url.uploadUrl,
    "POST",
    {
      authorization: url.authorizationToken,
      "x-bz-file-name": encodeURIComponent(fileName),
      "content-type": "b2/x-auto",
      "content-length": length,
      "x-bz-content-sha1": sha1,
    },
    body,
  );
  return json(res, "b2_upload_file");
}

/** One GET of a whole file by id into `sink`; returns the byte count. */
export async function downloadTo(auth: Auth, fileId: string, sink: Writable): Promise<number> {
  const res = await send(
    `${auth.downloadUrl}/b2api/v4/b2_download_file_by_id?fileId=${encodeURIComponent(fileId)}`,
    "GET",
    { authorization: auth.token },
  );
  if (res.statusCode !== 200) throw new Error(`download: ${res.statusCode} ${await text(res)}`);
  let n = 0;
  res.on("data", (c: Buffer) => (n += c.length));
  await pipeline(res, sink);
  return n;
}

export function closeAgent(): void {
  agent.destroy();
}
