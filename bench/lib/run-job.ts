/** Runs one job in a child process and collects its result and the B2 calls the server journaled meanwhile. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LocalB2Server } from "../../src/server/index.js";
import type { JobResult, JobSpec } from "./job-types.js";

const JOB = fileURLToPath(new URL("./job.ts", import.meta.url));

export interface Measured extends JobResult {
  /** B2 calls by operation (from the server's journal). */
  calls: Record<string, number>;
}

function child(spec: JobSpec): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", JOB, JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`job ${spec.impl} ${spec.kind} exited ${code}: ${out}`));
      try {
        resolve(JSON.parse(line) as JobResult);
      } catch {
        reject(new Error(`job ${spec.impl} ${spec.kind}: no result in ${JSON.stringify(out)}`));
      }
    });
  });
}

export async function runJob(server: LocalB2Server, spec: JobSpec): Promise<Measured> {
  await fetch(`${server.url}/__b2kit/journal`, { method: "DELETE" });
  const result = await child(spec);
  const journal = (await (await fetch(`${server.url}/__b2kit/journal`)).json()) as { op: string }[];
  const calls: Record<string, number> = {};
  for (const entry of journal) calls[entry.op] = (calls[entry.op] ?? 0) + 1;
  return { ...result, calls };
}
