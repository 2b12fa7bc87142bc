/**
 * A thin recording proxy in front of a Prism mock (both started by test/support/global-setup.ts):
 * - rewrites the B2 hosts in JSON answers (apiUrl, downloadUrl, upload URLs of the spec's
 *   realistic examples) to the proxy itself, so the SDK's host switching stays on loopback;
 * - records every `sl-violations` header Prism attaches (requests that do not match the spec),
 *   served at GET /__prism/violations;
 * - pipes other bodies untouched (Prism's own proxy mode corrupts binary bodies; this does not).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const B2_HOSTS = /https:\/\/(?:api\d*\.backblazeb2\.com|f\d+\.backblazeb2\.com|pod-[\w-]+\.backblaze\.com)/g;

export interface Violation {
  /** The X-B2kit-Test header of the request, so concurrent suites can tell their own apart. */
  tag: string | undefined;
  method: string;
  path: string;
  violations: unknown;
}

export interface RecordingProxy {
  url: string;
  server: Server;
  violations: Violation[];
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

export async function startRecordingProxy(upstreamPort: number): Promise<RecordingProxy> {
  const violations: Violation[] = [];
  let selfUrl = "";
  const server = createServer((req, res) => {
    if (req.url === "/__prism/violations") {
      if (req.method === "DELETE") violations.length = 0;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(violations));
      return;
    }
    // X-B2kit-Prefer becomes Prism's Prefer header on every call but authorization, so a test
    // can force a documented error answer on the operation under test.
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
    // X-B2kit-Prefer-Authorize does the same for the authorization call alone.
    const isAuthorize = req.url?.includes("b2_authorize_account") ?? false;
    const prefer = headers[isAuthorize ? "x-b2kit-prefer-authorize" : "x-b2kit-prefer"];
    delete headers["x-b2kit-prefer"];
    delete headers["x-b2kit-prefer-authorize"];
    if (prefer) headers["prefer"] = prefer;
    const upstream = httpRequest(
      { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers },
      async (up) => {
        const header = up.headers["sl-violations"];
        if (header) violations.push({ tag: req.headers["x-b2kit-test"] as string | undefined, method: req.method ?? "", path: req.url ?? "", violations: JSON.parse(String(header)) });
        const type = String(up.headers["content-type"] ?? "");
        if (type.includes("json")) {
          const text = (await readAll(up)).toString("utf8").replace(B2_HOSTS, selfUrl);
          const headers = { ...up.headers, "content-length": String(Buffer.byteLength(text)) };
          delete headers["transfer-encoding"];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(text);
        } else {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }
      },
    );
    upstream.on("error", (e) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 502, code: "proxy_error", message: e.message }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: selfUrl, server, violations };
}
