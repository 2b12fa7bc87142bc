/**
 * Local B2 server throughput on loopback: upload (b2_upload_file) and download (by id) MB/s, against a plain
 * node:http sink/source child process in the same run (the ceiling of Node HTTP on this machine). Prints medians
 * and the ratio (the goal is >= 80% of the baseline), and the single-core MD5 rate: B2 answers every upload with
 * the body's MD5, a hash no thread can share, so no server that answers as B2 does can take one body faster.
 * The client is bare node:http, the lightest on this machine (undici's fetch spends ~2x the CPU per byte and
 * would share the two cores with the server under test).
 * Run: node --import tsx bench/server-throughput.ts [sizeMB] [rounds]
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { createInterface } from "node:readline";
import { startServer } from "../src/server/index.js";

const SIZE = Number(process.argv[2] ?? 64) * 1_000_000;
const ROUNDS = Number(process.argv[3] ?? 5);
const data = randomBytes(SIZE);
const dataSha1 = createHash("sha1").update(data).digest("hex");

const BASELINE = `
const http = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");
const body = Buffer.alloc(${SIZE}, 1);
http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/hash") {
    // The same unavoidable work as an upload (SHA-1, MD5, a file), nothing else: the ceiling for the server.
    const s1 = crypto.createHash("sha1"), m5 = crypto.createHash("md5");
    const out = fs.createWriteStream(require("node:path").join(require("node:os").tmpdir(), "b2kit-bench-" + process.pid));
    req.on("data", (c) => { s1.update(c); m5.update(c); if (!out.write(c)) { req.pause(); out.once("drain", () => req.resume()); } });
    req.on("end", () => out.end(() => { s1.digest(); m5.digest(); fs.rmSync(out.path); res.end("{}"); }));
    return;
  }
  if (req.method === "POST") { req.on("data", () => {}); req.on("end", () => res.end("{}")); return; }
  res.writeHead(200, { "content-length": body.length });
  for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)));
  res.end();
}).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;

async function startBaseline(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ["-e", BASELINE], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  return { url: `http://127.0.0.1:${line}`, stop: () => child.kill() };
}

const agent = new http.Agent({ keepAlive: true });

/** POSTs `body` in 1 MiB writes; the answer's status and text. */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    for (let i = 0; i < body.length; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20)));
    req.end();
  });
}

/** GETs `url`; the body's byte count. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        let n = 0;
        res.on("data", (d: Buffer) => (n += d.length));
        res.on("end", () => resolve(n));
      })
      .on("error", reject);
  });
}

/** MB/s of MD5 over `data` on this thread, 1 MiB updates (the best of three). */
function md5Rate(): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const md5 = createHash("md5");
    for (let at = 0; at < data.length; at += 1 << 20) md5.update(data.subarray(at, at + (1 << 20)));
    md5.digest();
    best = Math.min(best, performance.now() - t0);
  }
  return mbps(best);
}

const mbps = (ms: number): number => SIZE / 1e6 / (ms / 1000);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const baseline = await startBaseline();
const server = await startServer({});
const auth = (await (
  await fetch(`${server.url}/b2api/v4/b2_authorize_account`, { headers: { authorization: `Basic ${Buffer.from(`${server.keyId}:${server.key}`).toString("base64")}` } })
).json()) as { authorizationToken: string; accountId: string };
const api = async (op: string, body: unknown): Promise<any> =>
  (await fetch(`${server.url}/b2api/v4/${op}`, { method: "POST", headers: { authorization: auth.authorizationToken }, body: JSON.stringify(body) })).json();
const bucket = await api("b2_create_bucket", { accountId: auth.accountId, bucketName: "bench-bucket", bucketType: "allPrivate" });
const upload = await api("b2_get_upload_url", { bucketId: bucket.bucketId });

const results = { baseUp: [] as number[], hashUp: [] as number[], baseDown: [] as number[], up: [] as number[], down: [] as number[] };
let fileId = "";
for (let round = 0; round < ROUNDS; round++) {
  results.baseUp.push(mbps(await timed(async () => post(baseline.url, {}, data))));
  results.hashUp.push(mbps(await timed(async () => post(`${baseline.url}/hash`, {}, data))));
  results.up.push(
    mbps(
      await timed(async () => {
        const headers = { authorization: upload.authorizationToken, "x-bz-file-name": `f${round}`, "content-type": "application/octet-stream", "x-bz-content-sha1": dataSha1 };
        const r = await post(upload.uploadUrl, headers, data);
        if (r.status !== 200) throw new Error(`upload failed: ${r.text}`);
        const f = JSON.parse(r.text) as { fileId: string };
        fileId = f.fileId;
      }),
    ),
  );
  results.baseDown.push(mbps(await timed(async () => get(baseline.url))));
  results.down.push(
    mbps(
      await timed(async () => {
        const n = await get(`${server.url}/b2api/v4/b2_download_file_by_id?fileId=${fileId}`, { authorization: auth.authorizationToken });
        if (n !== SIZE) throw new Error(`short download: ${n}`);
      }),
    ),
  );
}
await server.close();
baseline.stop();

const line = (label: string, mine: number[], base: number[]): string =>
  `${label.padEnd(9)} server ${median(mine).toFixed(0).padStart(5)} MB/s   plain node:http ${median(base).toFixed(0).padStart(5)} MB/s   ratio ${((100 * median(mine)) / median(base)).toFixed(0)}%`;
console.log(`${SIZE / 1e6} MB bodies, ${ROUNDS} rounds, medians (upload includes SHA-1 + MD5 + fsync + SQLite commit)`);
console.log(
  `${line("upload", results.up, results.baseUp)}   (a sink doing the same SHA-1 + MD5 + file write: ${median(results.hashUp).toFixed(0)} MB/s, ratio ${((100 * median(results.up)) / median(results.hashUp)).toFixed(0)}%)`,
);
console.log(line("download", results.down, results.baseDown));
const md5 = md5Rate();
console.log(
  `MD5 on one core: ${md5.toFixed(0)} MB/s = ${((100 * md5) / median(results.baseUp)).toFixed(0)}% of the plain sink: the most any upload that answers with contentMd5 can reach; the server is at ${((100 * median(results.up)) / md5).toFixed(0)}% of it`,
);
