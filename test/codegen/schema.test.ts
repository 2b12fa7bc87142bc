/** Generator: openapi-typescript output (binary bodies as bytes/streams, root types) on a tiny spec. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readSpec } from "../../codegen/analyse.mjs";
import { binaryTransform, schemaSource } from "../../codegen/gen-types.mjs";
import { scratchDir } from "../support/scratch.js";

const dir = scratchDir("b2kit-codegen-");

const tinySpec = `openapi: 3.1.0
info: { title: tiny, version: "1" }
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content:
          application/octet-stream:
            schema: { type: string, format: binary }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Thing" }
components:
  schemas:
    Thing:
      type: object
      required: [thingId]
      properties:
        thingId: { type: string }
        note: { type: string }
`;

describe("schemaSource", () => {
  const specUrl = pathToFileURL(join(dir, "tiny.yaml"));
  writeFileSync(specUrl, tinySpec);

  it("types binary bodies as Blob | Uint8Array | ReadableStream, not string", async () => {
    const source = await schemaSource(specUrl);
    expect(source).toMatch(/"application\/octet-stream": Blob \| Uint8Array \| ReadableStream;/);
    expect(source).not.toMatch(/"application\/octet-stream": string/);
  });
  it("exports root types without the Schema prefix", async () => {
    expect(await schemaSource(specUrl)).toMatch(/export type Thing = components\[["']schemas["']\]\[["']Thing["']\];/);
  });
  it("leaves other string formats alone", () => {
    expect(binaryTransform({ format: "binary" })).toBeDefined();
    expect(binaryTransform({ format: "date-time" })).toBeUndefined();
    expect(binaryTransform({})).toBeUndefined();
  });
});

describe("readSpec", () => {
  it("fails with a message naming the missing spec and why it is needed", () => {
    expect(() => readSpec(pathToFileURL(join(dir, "missing.yaml")))).toThrow(/cannot read the OpenAPI spec .*missing\.yaml \(ENOENT\).*generated\/schema\.ts/);
  });
});
