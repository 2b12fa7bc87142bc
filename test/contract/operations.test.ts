/**
 * Contract tests: every row of the operation table, called through BOTH hierarchies against the
 * Prism mock of spec/b2.yaml. Each request must pass Prism's validation (no `sl-violations`),
 * and each answer must come back as the row's model / handle / tuple shape.
 */
import { statSync } from "node:fs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { operationTable } from "../../generated/operations.js";
import { Awaiting, AwaitingBucket, AwaitingFile, AwaitingKey, AwaitingParts, Blocking, BlockingBucket, BlockingFile, BlockingKey, BlockingParts } from "../../src/index.js";
import type { MockRequest } from "../../src/testing/index.js";
import { savePath, scenarios, type HandleFactories } from "./scenarios.js";

const prismUrl = inject("prismUrl");

interface Flavor {
  name: "Awaiting" | "Blocking";
  client: HandleFactories & { close(): unknown };
  handles: Record<string, new (...args: never[]) => unknown>;
  invoke(target: unknown, method: string, args: unknown[]): Promise<unknown>;
}

async function collect(value: unknown): Promise<unknown> {
  if (value && typeof value === "object" && Symbol.asyncIterator in value) {
    const items: unknown[] = [];
    for await (const item of value as AsyncIterable<unknown>) items.push(item);
    return items;
  }
  return value;
}

function callMethod(target: unknown, method: string, args: unknown[]): unknown {
  const fn = (target as Record<string, (...a: unknown[]) => unknown>)[method];
  if (typeof fn !== "function") throw new Error(`no method ${method}`);
  return fn.apply(target, args);
}

const tag = (flavor: string): Record<string, string> => ({ "X-B2kit-Test": flavor });

const flavors: Flavor[] = [
  {
    name: "Awaiting",
    client: new Awaiting("002a48fe8875c620000000000", "K002-contract-secret", { authUrl: prismUrl, maxAttempts: 1, headers: tag("Awaiting") }),
    handles: { Bucket: AwaitingBucket, File: AwaitingFile, Key: AwaitingKey, Parts: AwaitingParts },
    invoke: async (target, method, args) => collect(await callMethod(target, method, args)),
  },
  {
    name: "Blocking",
    client: new Blocking("002a48fe8875c620000000000", "K002-contract-secret", { authUrl: prismUrl, maxAttempts: 1, headers: tag("Blocking") }),
    handles: { Bucket: BlockingBucket, File: BlockingFile, Key: BlockingKey, Parts: BlockingParts },
    invoke: async (target, method, args) => {
      const value = callMethod(target, method, args);
      return value && typeof value === "object" && Symbol.iterator in value && !(value instanceof Uint8Array) && !Array.isArray(value)
        ? [...(value as Iterable<unknown>)]
        : value;
    },
  },
];

afterAll(async () => {
  for (const flavor of flavors) await flavor.client.close();
});

async function violationsFor(flavor: string): Promise<unknown[]> {
  const all = (await (await fetch(`${prismUrl}/__mock/requests`)).json()) as MockRequest[];
  return all.filter((r) => r.tag === flavor && r.violations.length > 0);
}

type Row = (typeof operationTable)[keyof typeof operationTable];
const rows = Object.entries(operationTable) as [string, Row][];

describe("operation table coverage", () => {
  it("has a contract scenario for every row except close()", () => {
    const covered = new Set(scenarios.map((s) => s.op));
    const missing = rows.filter(([op, row]) => row.kind !== "lifecycle" && !covered.has(op)).map(([op]) => op);
    expect(missing).toEqual([]);
    expect(scenarios.length).toBe(rows.length - 1);
  });
});

for (const flavor of flavors) {
  describe(`${flavor.name} against the Prism mock`, () => {
    for (const scenario of scenarios) {
      const row = operationTable[scenario.op as keyof typeof operationTable] as Row;
      it(`${scenario.op} (${row.b2.join(", ") || "no I/O"})`, async () => {
        const target = scenario.target(flavor.client);
        const result = await flavor.invoke(target, row.name, scenario.args(flavor.name));
        if (row.kind === "handle") {
          expect(Object.values(flavor.handles).some((cls) => result instanceof cls)).toBe(true);
        } else if (row.kind === "paginated") {
          expect(Array.isArray(result)).toBe(true);
          const items = result as unknown[][];
          expect(items.length).toBeGreaterThan(0);
          for (const item of items) {
            expect(Array.isArray(item)).toBe(true);
            expect(typeof item[0]).toBe("object");
          }
        } else if (row.kind === "stream") {
          const chunks = result as Uint8Array[];
          expect(chunks.length).toBeGreaterThan(0);
          for (const chunk of chunks) expect(chunk).toBeInstanceOf(Uint8Array);
        } else if ("handle" in row) {
          // A [model, handle] pair: the model is B2's JSON object, the handle this flavor's class.
          const [model, handle] = result as [Record<string, unknown>, unknown];
          expect(Object.keys(model).length).toBeGreaterThan(0);
          expect(handle).toBeInstanceOf(flavor.handles[row.handle as string]);
        } else if (["File.save", "Parts.file"].includes(scenario.op)) {
          expect(result).toBeUndefined();
          if (scenario.op === "File.save") expect(statSync(savePath(flavor.name)).size).toBeGreaterThan(0);
        } else if (result instanceof Uint8Array) {
          expect(result.byteLength).toBeGreaterThan(0);
        } else {
          // A model: B2's JSON object, read in full.
          expect(typeof result).toBe("object");
          expect(Object.keys(result as object).length).toBeGreaterThan(0);
        }
        expect(await violationsFor(flavor.name)).toEqual([]);
      });
    }
  });
}
