/**
 * The static Prism mock started from spec/b2.yaml (by the vitest global setup) answers every
 * operation, built only from the spec's own examples, with a success answer and no validation
 * complaint; and answers every documented error status with that status's first named example.
 */
import { describe, expect, inject, it } from "vitest";
import { deref, operations, type Operation, response } from "./spec-helpers.js";

type Json = Record<string, unknown>;
const prismUrl = inject("prismUrl");

/** A request for `op` made of the spec's examples (parameters, first body example, auth). */
function buildRequest(op: Operation, extraHeaders: Record<string, string> = {}): { url: string; init: RequestInit } {
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = { "X-B2kit-Test": "spec-prism-mock" };
  for (const p of ((op.raw["parameters"] as unknown[]) ?? []).map((x) => deref<Json>(x))) {
    if (!p["required"]) continue;
    const value = String(p["example"]);
    if (p["in"] === "path") path = path.replace(`{${String(p["name"])}}`, encodeURIComponent(value));
    else if (p["in"] === "query") query.set(String(p["name"]), value);
    else if (p["in"] === "header" && p["name"] !== "Content-Length") headers[String(p["name"])] = value;
  }
  headers["Authorization"] = op.operationId === "b2_authorize_account" ? `Basic ${Buffer.from("002d2e6b27577ea0000000000:K002secret").toString("base64")}` : "4_002d2e6b27577ea0000000000_mock_acct";
  let body: string | undefined;
  const requestBody = deref<Json | undefined>(op.raw["requestBody"]);
  if (requestBody) {
    const [type, media] = Object.entries(requestBody["content"] as Record<string, Json>)[0]!;
    const example = "example" in media ? media["example"] : deref<Json>(Object.values(media["examples"] as Json)[0])["value"];
    if (type === "application/json") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(example);
    } else {
      headers["Content-Type"] ??= "application/octet-stream";
      body = String(example);
    }
  }
  Object.assign(headers, extraHeaders);
  const qs = query.toString();
  return { url: `${prismUrl}${path}${qs ? `?${qs}` : ""}`, init: { method: op.method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) } };
}

describe("static Prism mock of spec/b2.yaml", () => {
  it("covers all 33 operations", () => {
    expect(operations).toHaveLength(33);
  });

  for (const op of operations) {
    it(`${op.operationId} answers its success example`, async () => {
      const { url, init } = buildRequest(op);
      const res = await fetch(url, init);
      const body = op.method === "head" ? "" : await res.text();
      expect(res.headers.get("sl-violations"), `${op.operationId}: ${body}`).toBeNull();
      expect(res.status, body).toBe(200);
      if (op.operationId.startsWith("b2_download_file_by")) {
        expect(res.headers.get("x-bz-file-id")).toBeTruthy();
        expect(res.headers.get("x-bz-content-sha1")).toMatch(/^[0-9a-f]{40}$/);
        if (op.method === "get") expect(body).toBe("Some text\n");
      } else {
        expect(() => JSON.parse(body) as unknown, op.operationId).not.toThrow();
      }
    });
  }

  it("answers a ranged download with 206 and Content-Range", async () => {
    const op = operations.find((o) => o.operationId === "b2_download_file_by_name")!;
    const { url, init } = buildRequest(op, { Range: "bytes=5-8", Prefer: "code=206" });
    const res = await fetch(url, init);
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 5-8/10");
    expect(await res.text()).toBe("text");
  });

  it("rejects a request that breaks the spec (part number 10001)", async () => {
    const op = operations.find((o) => o.operationId === "b2_upload_part")!;
    const { url, init } = buildRequest(op, { "X-Bz-Part-Number": "10001" });
    const res = await fetch(url, init);
    expect(res.status).toBe(400);
    expect(res.headers.get("sl-violations")).toContain("x-bz-part-number");
  });

  const errorCases = operations.flatMap((op) =>
    Object.keys(op.raw["responses"] as Json)
      .filter((s) => Number(s) >= 400 && op.method !== "head")
      .map((status) => ({ op, status: Number(status) })),
  );

  it("has many documented error answers to force", () => {
    expect(errorCases.length).toBeGreaterThan(180);
  });

  for (const { op, status } of errorCases) {
    it(`${op.operationId} answers documented ${status} with its first example`, async () => {
      const media = (response(op, status)!["content"] as Record<string, Json>)["application/json"]!;
      const first = deref<Json>(Object.values(media["examples"] as Json)[0])["value"];
      const { url, init } = buildRequest(op, { Prefer: `code=${status}` });
      const res = await fetch(url, init);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual(first);
    });
  }
});
