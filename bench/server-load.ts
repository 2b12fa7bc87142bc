/**
 * The local B2 server under the mixed SDK workload of test/server-abuse/load-run.ts: many
 * concurrent Awaiting clients uploading (small files and multi-part large files), listing,
 * downloading and deleting. Prints operations per second, MB/s each way, failures, and the
 * server process's memory (RSS) before and after.
 * Run: node --import tsx bench/server-load.ts [clients=32] [seconds=15] [maxSmallKiB=256]
 */
import { readFileSync } from "node:fs";
import { startServer } from "../src/server/index.js";
import { runLoad } from "../test/server-abuse/load-run.js";

const clients = Number(process.argv[2] ?? 32);
const seconds = Number(process.argv[3] ?? 15);
const maxSmall = Number(process.argv[4] ?? 256) * 1024;

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const server = await startServer({ limits: { minPartSize: 100_000, recommendedPartSize: 100_000 } });
try {
  const before = rssMb(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 200);
  const result = await runLoad({ url: server.url, keyId: server.keyId, key: server.key, clients, seconds, seed: 1, maxSmall, largeSize: 600_000, chunkSize: 100_000 });
  clearInterval(sampler);
  const after = rssMb(server.pid);
  const s = result.elapsedMs / 1000;
  console.log(`clients ${clients}, ${s.toFixed(1)} s`);
  console.log(`operations ${result.operations} (${(result.operations / s).toFixed(0)}/s), failures ${result.failures.length}, test-mode give-ups ${result.testModeGiveUps}`);
  console.log(`upload ${(result.bytesUp / 1e6 / s).toFixed(1)} MB/s, download ${(result.bytesDown / 1e6 / s).toFixed(1)} MB/s`);
  console.log(`files kept ${result.kept.size}, deleted ${result.deleted.size}`);
  console.log(`server RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak, ${after.toFixed(0)} MB after`);
  for (const f of result.failures.slice(0, 10)) console.log(`  failure: ${f}`);
} finally {
  await server.close();
}
