/**
 * One bench job in its own process, so its peak RSS is its own: prepares (log in, read what it
 * needs), times the transfer alone, and prints one JSON line (JobResult).
 * Run by bench/transfers.ts as: node --import tsx bench/lib/job.ts '<JobSpec JSON>'
 */
import type { JobResult, JobSpec } from "./job-types.js";
import * as b2kit from "./impl-b2kit.js";
import * as peer from "./impl-peer.js";
import * as plain from "./impl-plain.js";

const spec = JSON.parse(process.argv[2] as string) as JobSpec;
const impl = spec.impl === "plain" ? plain : spec.impl === "peer" ? peer : b2kit;
const prepared = await impl.prepare(spec);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { bytes, files } = await prepared.run();
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const result: JobResult = { ms, bytes, files, peakRss: process.resourceUsage().maxRSS * 1024, cpuMs: (cpu.user + cpu.system) / 1000 };
process.stdout.write(`${JSON.stringify(result)}\n`);
// The Blocking worker and keep-alive sockets would keep the process up.
process.exit(0);
