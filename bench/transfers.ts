/**
 * Transfer benchmark: b2kit (Awaiting and Blocking) against plain HTTP over B2's wire protocol
 * (the single-connection ceiling) and the npm `backblaze-b2` peer, on the local B2 server, on
 * loopback and on an internet-like profile (25 MB/s per connection, 50 ms per request). Each job
 * runs in its own child process (peak RSS is the job's own); B2 calls come from the server's
 * journal. Prints a Markdown table (medians of --runs runs) and a memory comparison (uploadFile
 * of 1 and 4 GiB; --quick: uploadFile and uploadStream of 256 MiB and 1 GiB).
 *
 * Run: node --import tsx bench/transfers.ts [--quick] [--runs=N] [--profile=loopback|internet|both]
 *        [--jobs=upload,download,small,list,memory] [--fresh]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type LocalB2Server, type StartServerOptions } from "../src/server/index.js";
import type { Impl, JobKind, JobSpec } from "./lib/job-types.js";
import { runJob, type Measured } from "./lib/run-job.js";
import { bucket, cancelUnfinished, deleteAll, login, makeDataFile, populate, uploadSource } from "./lib/setup.js";
import { call, closeAgent, type Auth } from "./lib/raw-b2.js";

const args = new Map<string, string | undefined>(
  process.argv.slice(2).map((a) => {
    const [k = "", v] = a.replace(/^--/, "").split("=");
    return [k, v];
  }),
);
const quick = args.has("quick");
const MiB = 1 << 20;
const sizes = quick
  ? {
      loopback: 256 * MiB,
      internet: 256 * MiB,
      small: 200,
      internetSmall: 50,
      names: 10_000,
      memory: [256 * MiB, 1024 * MiB],
    }
  : {
      loopback: 1024 * MiB,
      internet: 1024 * MiB,
      small: 1000,
      internetSmall: 200,
      names: 100_000,
      memory: [1024 * MiB, 4096 * MiB],
    };
const runs = Number(args.get("runs") ?? (quick ? 1 : 3));
const profiles =
  (args.get("profile") ?? "both") === "both" ? ["loopback", "internet"] : [args.get("profile") as string];
const jobs = new Set((args.get("jobs") ?? "upload,download,small,list,memory").split(","));
const CONCURRENCY = 4;
const CHUNK = 5_000_024; // the SDK's default part size, used by every client
const IMPLS: Impl[] = ["plain", "awaiting", "blocking", "peer"];
const SHAPES: Record<string, StartServerOptions["shape"]> = {
  loopback: undefined,
  internet: { bytesPerSec: 25_000_000, latencyMs: 50 },
};

const work = mkdtempSync(join(tmpdir(), "b2kit-bench-"));
// The server's store goes to RAM when it can: its fsyncs measure the disk, not the clients.
const shm = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/b2kit-bench-") : undefined;
const dataDir = join(shm ?? work, "server");
const credentials = { keyId: "benchKeyId0000000000000001", key: "K000benchbenchbenchbenchbenchbenchb" };

interface Row {
  profile: string;
  job: string;
  impl: Impl;
  m: Measured;
  rate: number;
  unit: string;
}
const rows: Row[] = [];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * Runs a job for each client spec, `n` rounds, the clients in turn within each round (so a
 * machine that drifts, e.g. warms up or is shared, weighs on every client alike); per client,
 * keeps the run with the median rate (its RSS and calls go with it).
 */
async function measure(
  server: LocalB2Server,
  profile: string,
  job: string,
  specs: JobSpec[],
  n: number,
  after?: () => Promise<void>,
): Promise<void> {
  const samples = specs.map((): Measured[] => []);
  for (let i = 0; i < n; i++) {
    for (const [k, spec] of specs.entries()) {
      samples[k]?.push(await runJob(server, spec));
      await after?.();
    }
  }
  for (const [k, spec] of specs.entries()) {
    const mine = samples[k] as Measured[];
    const rateOf = (m: Measured): number =>
      spec.kind === "small" || spec.kind === "list" ? m.files / (m.ms / 1000) : m.bytes / 1e6 / (m.ms / 1000);
    const mid = median(mine.map(rateOf));
    const m = mine.find((s) => rateOf(s) === mid) as Measured;
    const row: Row = {
      profile,
      job,
      impl: spec.impl,
      m: { ...m, peakRss: median(mine.map((s) => s.peakRss)), cpuMs: median(mine.map((s) => s.cpuMs)) },
      rate: mid,
      unit: spec.kind === "small" || spec.kind === "list" ? "files/s" : "MB/s",
    };
    log(
      `${profile} ${job} ${spec.impl}: ${mid.toFixed(1)} ${row.unit} (runs: ${mine.map((s) => rateOf(s).toFixed(1)).join(", ")}), peak RSS ${(row.m.peakRss / MiB).toFixed(0)} MiB, client CPU ${(row.m.cpuMs / 1000).toFixed(2)} s`,
    );
    rows.push(row);
  }
}

async function runProfile(profile: string): Promise<void> {
  const server = await startServer({ dataDir, ...credentials, ...(SHAPES[profile] ? { shape: SHAPES[profile] } : {}) });
  try {
    const auth = await login(server);
    const b = await bucket(auth, "bench-transfers");
    const base = {
      url: server.url,
      keyId: server.keyId,
      key: server.key,
      ...b,
      concurrency: CONCURRENCY,
      chunkSize: CHUNK,
    };
    const size = profile === "loopback" ? sizes.loopback : sizes.internet;
    const label = `${size / MiB} MiB`;
    const clean = async (): Promise<void> => {
      await deleteAll(auth, b.bucketId, "bench/");
      await deleteAll(auth, b.bucketId, "small/");
      await cancelUnfinished(auth, b.bucketId);
    };
    if (jobs.has("upload") || jobs.has("download")) {
      const path = join(work, `data-${size}`);
      log(`${profile}: writing ${label} of random data`);
      const sha1 = await makeDataFile(path, size);
      if (jobs.has("upload"))
        await measure(server, profile, `upload ${label}`, IMPLS.map((impl) => ({ ...base, kind: "upload", impl, path, sha1 })), runs, clean);
      if (jobs.has("download")) {
        const fileId = await uploadSource(auth, b.bucketId, path, size, sha1);
        const out = join(work, "download-out");
        await measure(
          server,
          profile,
          `download ${label}`,
          IMPLS.map((impl) => ({ ...base, kind: "download", impl, path: out, fileId })),
          runs,
          async () => rmSync(out, { force: true }),
        );
        await call(auth, "b2_delete_file_version", { fileId, fileName: "source/large" });
      }
      rmSync(path, { force: true });
    }
    if (jobs.has("small")) {
      const count = profile === "loopback" ? sizes.small : sizes.internetSmall;
      await measure(
        server,
        profile,
        `${count} × 16 KiB uploads`,
        IMPLS.map((impl) => ({ ...base, kind: "small", impl, count, fileBytes: 16 * 1024 })),
        profile === "loopback" ? runs : 1,
        clean,
      );
    }
    if (jobs.has("list")) await listing(profile, base);
    if (jobs.has("memory") && profile === "loopback") await memory(server, base);
  } finally {
    await server.close();
  }
}

/**
 * Listing runs on its own server whose store is kept between bench runs (creating 100,000 names
 * costs minutes on 2 cores and is not what is measured); --fresh rebuilds it.
 */
async function listing(profile: string, base: Omit<JobSpec, "kind" | "impl">): Promise<void> {
  const store = join(shm ? "/dev/shm" : tmpdir(), `b2kit-bench-names-${sizes.names}`);
  if (args.has("fresh") || !existsSync(join(store, "complete"))) rmSync(store, { recursive: true, force: true });
  const server = await startServer({
    dataDir: join(store, "server"),
    ...credentials,
    ...(SHAPES[profile] ? { shape: SHAPES[profile] } : {}),
  });
  try {
    const auth = await login(server);
    const names = await bucket(auth, "bench-names");
    if (!existsSync(join(store, "complete"))) {
      log(`creating ${sizes.names} names in ${store} (kept for later runs)`);
      await populate(auth, names.bucketId, sizes.names);
      writeFileSync(join(store, "complete"), "");
    }
    const spec = { ...base, url: server.url, ...names, kind: "list" as const };
    await measure(server, profile, `list ${sizes.names} names`, IMPLS.map((impl) => ({ ...spec, impl })), profile === "loopback" ? runs : 1);
  } finally {
    await server.close();
  }
}

/** Peak RSS of b2kit Awaiting uploads (file and stream) of two sizes: bounded means about equal. */
async function memory(server: LocalB2Server, base: Omit<JobSpec, "kind" | "impl">): Promise<void> {
  const auth: Auth = await login(server);
  for (const size of sizes.memory) {
    const path = join(work, `memory-${size}`);
    log(`memory: writing ${size / MiB} MiB`);
    await makeDataFile(path, size);
    // uploadStream's bound is checked by test/memory; here uploadFile only, to keep the run short.
    for (const kind of (quick ? ["upload", "stream"] : ["upload"]) as JobKind[]) {
      await measure(
        server,
        "memory",
        `${kind === "upload" ? "uploadFile" : "uploadStream"} ${size / MiB} MiB`,
        [{ ...base, kind, impl: "awaiting", path }],
        1,
        async () => {
          await deleteAll(auth, base.bucketId, "bench/");
        },
      );
    }
    rmSync(path, { force: true });
  }
}

const started = performance.now();
try {
  for (const profile of profiles) await runProfile(profile);
} finally {
  closeAgent();
  rmSync(work, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
}

// ── Report ─────────────────────────────────────────────────────────────────────────────────
const fmtCalls = (c: Record<string, number>): string => {
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const urls = (c["b2_get_upload_url"] ?? 0) + (c["b2_get_upload_part_url"] ?? 0);
  return `${total}${urls ? ` (${urls} upload URL${urls > 1 ? "s" : ""})` : ""}`;
};
console.log(
  `\nb2kit transfer bench — ${quick ? "quick" : "full"}, medians of ${runs} run(s), concurrency ${CONCURRENCY}, part/chunk ${CHUNK} bytes, node ${process.versions.node}\n`,
);
console.log("| profile | job | client | rate | vs plain | vs peer | peak RSS | client CPU | B2 calls |");
console.log("|---|---|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const same = (impl: Impl): Row | undefined =>
    rows.find((x) => x.profile === r.profile && x.job === r.job && x.impl === impl);
  const ratio = (other: Row | undefined): string =>
    other && other !== r ? `${((100 * r.rate) / other.rate).toFixed(0)}%` : "—";
  console.log(
    `| ${r.profile} | ${r.job} | ${r.impl === "plain" ? "plain HTTP" : r.impl === "peer" ? "backblaze-b2" : `b2kit ${r.impl === "awaiting" ? "Awaiting" : "Blocking"}`} | ${r.rate.toFixed(r.rate < 100 ? 1 : 0)} ${r.unit} | ${ratio(same("plain"))} | ${ratio(same("peer"))} | ${(r.m.peakRss / MiB).toFixed(0)} MiB | ${(r.m.cpuMs / 1000).toFixed(2)} s | ${fmtCalls(r.m.calls)} |`,
  );
}
console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
