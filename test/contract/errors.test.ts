/**
 * Documented error answers, forced through Prism (`Prefer: code=N`), come out of BOTH
 * hierarchies as the right error class with the status and B2 code of the spec's example.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { parse } from "yaml";
import { operationTable } from "../../generated/operations.js";
import { Awaiting, B2Error, Blocking, errorClassForStatus } from "../../src/index.js";
import { repoRoot } from "../support/prism.js";
import { scenarios } from "./scenarios.js";

const prismUrl = inject("prismUrl");
const spec = parse(readFileSync(`${repoRoot}spec/b2.yaml`, "utf8")) as { paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>> };

interface Documented {
  status: number;
  code: string;
}

/** The error statuses an operation documents, with the B2 code of each status's first example. */
function documentedErrors(operationId: string): Documented[] {
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (op?.operationId !== operationId) continue;
      const out: Documented[] = [];
      for (const [status, raw] of Object.entries(op.responses ?? {})) {
        const n = Number(status);
        if (!(n >= 400)) continue;
        let response = raw as Record<string, unknown>;
        const ref = response["$ref"] as string | undefined;
        if (ref) response = ref.split("/").slice(1).reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, spec as unknown as Record<string, unknown>);
        const media = (response["content"] as Record<string, { example?: { code?: string }; examples?: Record<string, { value?: { code?: string }; $ref?: string }> }> | undefined)?.["application/json"];
        let code = media?.example?.code;
        const first = media?.examples ? Object.values(media.examples)[0] : undefined;
        if (!code && first) {
          const value = first.$ref
            ? (first.$ref.split("/").slice(1).reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, spec as unknown as Record<string, unknown>)["value"] as { code?: string })
            : first.value;
          code = value?.code;
        }
        if (code) out.push({ status: n, code });
      }
      return out;
    }
  }
  return [];
}

// Rows that make exactly one kind of B2 call (multi-call rows such as uploads are covered by the
// resilience tests against the local server, where faults can target one operation).
const cases = scenarios
  .filter((s) => {
    const row = operationTable[s.op as keyof typeof operationTable];
    return row.kind !== "handle" && row.b2.length === 1;
  })
  .flatMap((s) => {
    const row = operationTable[s.op as keyof typeof operationTable];
    const b2op = row.b2[row.b2.length - 1] as string;
    return documentedErrors(b2op).map((d) => ({ scenario: s, name: row.name, b2op, ...d }));
  });

const clients: { close(): unknown }[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

function make(kind: "Awaiting" | "Blocking", status: number, op: string): Awaiting | Blocking {
  const prefer = op === "Client.authorize" ? "X-B2kit-Prefer-Authorize" : "X-B2kit-Prefer";
  const options = { authUrl: prismUrl, maxAttempts: 1, headers: { [prefer]: `code=${status}`, "X-B2kit-Test": `errors-${kind}` } };
  const client = kind === "Awaiting" ? new Awaiting("002a48fe8875c620000000000", "K002-contract-secret", options) : new Blocking("002a48fe8875c620000000000", "K002-contract-secret", options);
  clients.push(client);
  return client;
}

describe("documented errors", () => {
  it("covers many (operation, status) pairs", () => {
    expect(cases.length).toBeGreaterThan(40);
    expect(new Set(cases.map((c) => c.status)).size).toBeGreaterThanOrEqual(5);
  });

  for (const kind of ["Awaiting", "Blocking"] as const) {
    for (const c of cases) {
      it(`${kind} ${c.scenario.op} → ${c.status} ${c.code}`, async () => {
        const client = make(kind, c.status, c.scenario.op);
        const target = c.scenario.target(client) as Record<string, (...a: unknown[]) => unknown>;
        let error: unknown;
        try {
          const value = (target[c.name] as (...a: unknown[]) => unknown).apply(target, c.scenario.args(`err-${kind}-${c.status}`));
          const resolved = await value;
          if (resolved && typeof resolved === "object" && Symbol.asyncIterator in resolved) for await (const _ of resolved as AsyncIterable<unknown>) void _;
          else if (resolved && typeof resolved === "object" && Symbol.iterator in resolved && !Array.isArray(resolved) && !(resolved instanceof Uint8Array)) for (const _ of resolved as Iterable<unknown>) void _;
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(B2Error);
        const b2 = error as B2Error;
        expect(b2).toBeInstanceOf(errorClassForStatus(c.status));
        expect(b2.status).toBe(c.status);
        expect(b2.code).toBe(c.code);
      });
    }
  }
});
