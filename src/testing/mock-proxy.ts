/**
 * The front of the mock: Prism answers with the spec's examples, whose URLs point at real B2
 * (`apiUrl`, `downloadUrl`, upload URLs). This proxy rewrites those hosts to itself so a client
 * under test stays on the mock, and records every request with Prism's verdict on it
 * (`sl-violations`: where the request does not match the spec).
 *
 * Two request headers steer it, for tests: `X-B2kit-Prefer: code=404` becomes Prism's `Prefer`
 * on every call but authorization (forcing a documented error answer on the operation under
 * test), `X-B2kit-Prefer-Authorize` does the same for authorization alone; `X-B2kit-Test: label`
 * tags the recorded request. `GET /__mock/requests` lists the recorded requests (for test
 * processes other than the one that started the mock); `DELETE` forgets them.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const B2_HOSTS = /https:\/\/(?:api\d*\.backblazeb2\.com|f\d+\.backblazeb2\.com|pod-[\w-]+\.backblaze\.com)/g;

/** One request the code under test sent to the mock. */
export interface MockRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path and query, e.g. `/b2api/v4/b2_list_buckets`. */
  path: string;
  /** The B2 operation, e.g. `b2_list_buckets` (`b2_download_file_by_name` for `/file/...`). */
  operation: string;
  /** Status of the mock's answer. */
  status: number;
  /** Prism's complaints: empty when the request matches the spec. */
  violations: Violation[];
  /** The request's `X-B2kit-Test` header, if any. */
  tag?: string;
}

/** One way a request breaks the spec, as Prism reports it. */
export interface Violation {
  /** Where, e.g. `["request", "body"]` or `["request", "header", "x-bz-content-sha1"]`. */
  location: string[];
  /** `Error` for a broken contract; `Warning` or `Info` for advice. */
  severity: string;
  /** The JSON Schema keyword or Prism code, e.g. `required`. */
  code: string | number;
  /** Human-readable, e.g. "Request body must have required property 'accountId'". */
  message: string;
}

function operationOf(method: string, path: string): string {
  if (path.startsWith("/file/")) return method === "HEAD" ? "b2_download_file_by_name_head" : "b2_download_file_by_name";
  const op = /^\/b2api\/v\d+\/(b2_\w+)/.exec(path)?.[1] ?? "";
  return op.startsWith("b2_download_file_by_id") && method === "HEAD" ? "b2_download_file_by_id_head" : op;
}

/**
 * B2 file names may contain `/`, but Prism matches `{fileName}` in `/file/{bucketName}/{fileName}`
 * against one segment only: the name's slashes are sent to Prism encoded.
 */
function forPrism(path: string): string {
  const m = /^\/file\/([^/?]+)\/([^?]*)(\?.*)?$/.exec(path);
  return m ? `/file/${m[1]}/${(m[2] as string).split("/").join("%2F")}${m[3] ?? ""}` : path;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface MockProxy {
  url: string;
  port: number;
  server: Server;
  requests: MockRequest[];
}

export async function startMockProxy(upstreamPort: number): Promise<MockProxy> {
  const requests: MockRequest[] = [];
  let self = "";
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/__mock/requests") {
      if (req.method === "DELETE") requests.length = 0;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(requests));
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
    const prefer = headers[operationOf(req.method ?? "GET", path) === "b2_authorize_account" ? "x-b2kit-prefer-authorize" : "x-b2kit-prefer"];
    delete headers["x-b2kit-prefer"];
    delete headers["x-b2kit-prefer-authorize"];
    if (prefer) headers["prefer"] = prefer;
    const tag = req.headers["x-b2kit-test"];
    const upstream = request({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: forPrism(path), headers }, async (up) => {
      const header = up.headers["sl-violations"];
      const method = req.method ?? "GET";
      requests.push({
        method,
        path,
        operation: operationOf(method, path),
        status: up.statusCode ?? 0,
        violations: header ? (JSON.parse(String(header)) as MockRequest["violations"]) : [],
        ...(typeof tag === "string" ? { tag } : {}),
      });
      if (String(up.headers["content-type"] ?? "").includes("json")) {
        const text = (await readAll(up)).toString("utf8").replace(B2_HOSTS, self);
        const headers = { ...up.headers, "content-length": String(Buffer.byteLength(text)) };
        delete headers["transfer-encoding"];
        res.writeHead(up.statusCode ?? 502, headers).end(text);
      } else {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }
    });
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 502, code: "mock_unreachable", message: e.message }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  self = `http://127.0.0.1:${port}`;
  return { url: self, port, server, requests };
}
