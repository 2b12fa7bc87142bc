// @ts-check
/** generated/schema.ts: raw request/response types from the spec (openapi-typescript's Node API). */
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const BINARY = ["Blob", "Uint8Array", "ReadableStream"];

/** Binary bodies are bytes or streams, not `string` (openapi-typescript's default for format: binary). */
export function binaryTransform(/** @type {{ format?: string }} */ schema) {
  if (schema.format === "binary") return ts.factory.createUnionTypeNode(BINARY.map((n) => ts.factory.createTypeReferenceNode(n)));
  return undefined;
}

export async function schemaSource(/** @type {URL} */ specUrl) {
  const ast = await openapiTS(specUrl, { rootTypes: true, rootTypesNoSchemaPrefix: true, defaultNonNullable: false, transform: binaryTransform });
  return astToString(ast);
}
