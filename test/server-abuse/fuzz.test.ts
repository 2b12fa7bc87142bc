/**
 * Seeded fuzzing of the raw (non-JSON) paths — uploads, parts, downloads by id and by name — with
 * random headers, ranges, SSE fields, names, methods and bodies, plus malformed HTTP on raw
 * sockets (wrong Content-Length, garbage request lines). Every answer is a B2 error or a success,
 * never a 5xx; the server process survives and still answers. JSON-body fuzzing lives in
 * test/server/abuse.test.ts.
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";

let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let accountId: string;
let apiUrl: string;
let bucketId: string;
let bucketName: string;
let fileId: string;
let largeFileId: string;

async function call(op: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${apiUrl}/b2api/v4/${op}`, { method: "POST", headers: { Authorization: token }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${op}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  server = await startServer({ limits: { minPartSize: 100 } });
  const basic = Buffer.from(`${server.keyId}:${server.key}`).toString("base64");
  const auth = (await (await fetch(`${server.url}/b2api/v4/b2_authorize_account`, { headers: { Authorization: `Basic ${basic}` } })).json()) as {
    accountId: string;
    authorizationToken: string;
    apiInfo: { storageApi: { apiUrl: string } };
  };
  token = auth.authorizationToken;
  accountId = auth.accountId;
  apiUrl = auth.apiInfo.storageApi.apiUrl;
  bucketName = `fuzz-${Date.now().toString(36)}`;
  bucketId = (await call("b2_create_bucket", { accountId, bucketName, bucketType: "allPrivate" }))["bucketId"] as string;
  const url = (await call("b2_get_upload_url", { bucketId })) as { uploadUrl: string; authorizationToken: string };
  const uploaded = await fetch(url.uploadUrl, {
    method: "POST",
    headers: { Authorization: url.authorizationToken, "X-Bz-File-Name": "dir/seed.txt", "Content-Type": "text/plain", "X-Bz-Content-Sha1": "do_not_verify" },
    body: "0123456789".repeat(50),
  });
  fileId = ((await uploaded.json()) as { fileId: string }).fileId;
  largeFileId = (await call("b2_start_large_file", { bucketId, fileName: "large.bin", contentType: "b2/x-auto" }))["fileId"] as string;
});
afterAll(async () => {
  await server?.close();
});

/** mulberry32, so a failing request can be replayed from the seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["ok.txt", "a/b/c.txt", "%zz", "%E0%A4%A", "..%2F..%2Fescape", "a%00b", "%2e%2e/%2e%2e/etc/passwd", "x".repeat(1100), "+plus+", "%F0%9F%98%80", "/lead", "trail/", "a//b", "", "%7F"];
const SHA1S = ["do_not_verify", "hex_digits_at_end", "unverified:" + "0".repeat(40), "0".repeat(40), "zz", "", "NONE"];
const RANGES = ["bytes=0-9", "bytes=5-", "bytes=-5", "bytes=9-1", "bytes=999999-", "bytes=0-9,20-29", "items=0-1", "bytes=", "bytes=-0", "bytes=abc"];
const TYPES = ["text/plain", "b2/x-auto", "", "a".repeat(300), "text/plain; charset=utf-8", "\u00e9/x"];
const INFO_KEYS = ["color", "b2-content-disposition", "b2-secret", "UPPER", "k".repeat(60), "src_last_modified_millis", "a^b~c"];
const INFO_VALUES = ["blue", "%zz", "1234", "x".repeat(8000), "", "%E8%87%AA"];
const SSE = [
  {},
  { "X-Bz-Server-Side-Encryption": "AES256" },
  { "X-Bz-Server-Side-Encryption": "NONE" },
  { "X-Bz-Server-Side-Encryption-Customer-Algorithm": "AES256", "X-Bz-Server-Side-Encryption-Customer-Key": "short", "X-Bz-Server-Side-Encryption-Customer-Key-Md5": "x" },
  { "X-Bz-Server-Side-Encryption-Customer-Algorithm": "AES256", "X-Bz-Server-Side-Encryption-Customer-Key": Buffer.alloc(32, 1).toString("base64") },
];
const PART_NUMBERS = ["1", "2", "0", "10001", "-1", "abc", "1.5", ""];
const TEST_MODES = ["force_cap_exceeded", "expire_some_account_authorization_tokens", "bogus"];

describe("server fuzzing (raw paths)", () => {
  it("2,400 seeded random upload/part/download requests: no 5xx, and the server still answers", { timeout: 60_000 }, async () => {
    const random = prng(20261123);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const uploadUrl = (await call("b2_get_upload_url", { bucketId })) as { uploadUrl: string; authorizationToken: string };
    const partUrl = (await call("b2_get_upload_part_url", { fileId: largeFileId })) as { uploadUrl: string; authorizationToken: string };
    const requests: { url: string; init: RequestInit; label: string }[] = [];
    for (let i = 0; i < 2400; i++) {
      const headers: Record<string, string> = {};
      const body = new Uint8Array(Math.floor(random() * 3) === 0 ? 0 : Math.floor(random() * 2000));
      const kind = Math.floor(random() * 6);
      let url: string;
      let method = "POST";
      if (kind <= 1) {
        const target = kind === 0 ? uploadUrl : partUrl;
        url = random() < 0.85 ? target.uploadUrl : target.uploadUrl.replace(/\/[^/]+$/, `/${pick(["bogus", "..", "%zz", ""])}`);
        headers["Authorization"] = pick([target.authorizationToken, target.authorizationToken, token, "bad", ""]);
        if (kind === 0) headers["X-Bz-File-Name"] = pick(NAMES);
        else headers["X-Bz-Part-Number"] = pick(PART_NUMBERS);
        if (random() < 0.9) headers["Content-Type"] = pick(TYPES);
        headers["X-Bz-Content-Sha1"] = random() < 0.3 ? createHash("sha1").update(body).digest("hex") : pick(SHA1S);
        for (let k = Math.floor(random() * 3); k > 0; k--) headers[`X-Bz-Info-${pick(INFO_KEYS)}`] = pick(INFO_VALUES);
        Object.assign(headers, pick(SSE));
        if (random() < 0.1) headers["X-Bz-Test-Mode"] = pick(TEST_MODES);
        if (random() < 0.1) headers["X-Bz-File-Legal-Hold"] = pick(["on", "off", "maybe"]);
        if (random() < 0.1) headers["X-Bz-File-Retention-Mode"] = pick(["governance", "compliance", "forever"]);
      } else if (kind <= 3) {
        method = pick(["GET", "HEAD", "GET"]);
        url =
          kind === 2
            ? `${server.url}/b2api/v${pick(["1", "2", "3", "4", "9"])}/b2_download_file_by_id?fileId=${encodeURIComponent(pick([fileId, fileId, largeFileId, "nope", "", "%zz"]))}`
            : `${server.url}/file/${pick([bucketName, bucketName, "nobucket", "%zz", ".."])}/${pick(["dir/seed.txt", "dir/seed.txt", ...NAMES])}`;
        headers["Authorization"] = pick([token, token, "bad", ""]);
        if (random() < 0.5) headers["Range"] = pick(RANGES);
        Object.assign(headers, pick(SSE));
        if (random() < 0.3) url += `${url.includes("?") ? "&" : "?"}b2ContentDisposition=${pick(["attachment", "%zz", "x".repeat(3000)])}`;
      } else {
        method = pick(["PUT", "DELETE", "PATCH", "OPTIONS", "GET", "POST"]);
        url = `${server.url}${pick(["/", "/b2api/", "/b2api/v4/", "/b2api/v4/b2_nothing", "/file/", "/b2api/v4/b2_upload_file", "/b2api/v4/b2_upload_part/x", "/%", `/file/${bucketName}/`])}`;
        headers["Authorization"] = pick([token, ""]);
        if (method === "OPTIONS") headers["Origin"] = pick(["https://example.com", "null", ""]);
      }
      for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
      const hasBody = method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
      requests.push({ url, label: `#${i} ${method} ${url.slice(0, 120)} ${JSON.stringify(headers).slice(0, 300)}`, init: { method, headers, ...(hasBody ? { body } : {}) } });
    }
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < requests.length) {
        const r = requests[next++] as (typeof requests)[number];
        let status: number;
        try {
          const response = await fetch(r.url, { ...r.init, signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          status = response.status;
        } catch (error) {
          bad.push(`${r.label}: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) bad.push(`${r.label}: ${status}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    expect(bad).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(2400);
    // Some requests succeeded and many were refused: the fuzzing reached both sides.
    expect((statuses.get(200) ?? 0) + (statuses.get(206) ?? 0)).toBeGreaterThan(20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
    process.kill(server.pid, 0); // still alive
    expect(((await call("b2_list_buckets", { accountId })) as { buckets: unknown[] }).buckets.length).toBeGreaterThan(0);
    const file = await fetch(`${server.url}/file/${bucketName}/dir/seed.txt`, { headers: { Authorization: token } });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("0123456789".repeat(50));
  });

  it("malformed HTTP on raw sockets: an error answer or a closed connection, never a hang or a crash", { timeout: 60_000 }, async () => {
    const { port } = new URL(server.url);
    const uploadUrl = new URL(((await call("b2_get_upload_url", { bucketId })) as { uploadUrl: string }).uploadUrl);
    const raw = [
      `POST /b2api/v4/b2_list_buckets HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Length: 50\r\n\r\n{"accountId":`, // shorter than declared, then closed
      `POST /b2api/v4/b2_list_buckets HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Length: 2\r\n\r\n{"accountId":"x"}`, // longer than declared
      `POST ${uploadUrl.pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: bad\r\nContent-Length: 10\r\nX-Bz-File-Name: a\r\n\r\nabc`,
      `POST /b2api/v4/b2_list_buckets HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`,
      `POST /b2api/v4/b2_list_buckets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
      `POST /b2api/v4/b2_list_buckets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nAuthorization: ${token}\r\n\r\nzz\r\n`,
      `GARBAGE\r\n\r\n`,
      `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(70_000)}\r\n\r\n`,
      `GET /file/${bucketName}/dir/seed.txt HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nRange: bytes=${"9".repeat(40)}-\r\n\r\n`,
      `\u0000\u0001\u0002\r\n\r\n`,
    ];
    for (const request of raw) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1");
        let got = "";
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(`${got}[timeout]`);
        }, 3000);
        socket.on("data", (d) => (got += d.toString("latin1")));
        socket.on("close", () => {
          clearTimeout(timer);
          resolve(got);
        });
        socket.on("error", () => undefined);
        socket.write(request, () => socket.end());
      });
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (status) expect(Number(status), request.slice(0, 80)).toBeLessThan(500);
    }
    process.kill(server.pid, 0);
    const list = await fetch(`${server.url}/file/${bucketName}/dir/seed.txt`, { headers: { Authorization: token } });
    expect(list.status).toBe(200);
  });
});
