/**
 * Large upload bodies hashed (SHA-1, MD5), encrypted when asked (AES-256-CTR) and written to their temp file by
 * worker threads beside the server's event loop, which keeps to the sockets (see BodyLayout for who does what).
 *
 * Each body (a "job") gets up to SLOTS slots of shared memory (SharedArrayBuffer, taken as it needs them). The
 * event loop copies the body into the current slot (a memcpy), hands each full slot to the workers in order and goes
 * on with the next free one; a slot comes back once every worker is done with it. With none free, `add` returns a promise and the caller
 * stops reading its stream (backpressure: at most SLOTS * SLOT bytes in flight per body, whatever the workers'
 * speed). The first worker also writes the file: it opens it on the job's first message and has closed it before it
 * answers `end` (or `drop`), so the file is never touched once a job is over.
 *
 * A worker that fails (errors, exits, or owes answers and stays silent for `stallMs`, a minute by default) fails
 * every job it had with BodyWorkerFailed; a fresh worker serves the next ones. A write error (disk full...) fails
 * only its job, the same way.
 */
import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";

/** Bytes handed to the workers at a time. */
const SLOT = 1 << 20;
/** Slots per job: the most a job holds in flight (SLOTS * SLOT bytes) before its body stream is paused. */
const SLOTS = 4;

export type HashName = "sha1" | "md5";
export interface Digests {
  sha1: string;
  md5: string;
}

/** Where a job's content goes: the file (created), encrypted with AES-256-CTR when a key is given. */
export interface JobFile {
  path: string;
  key?: Buffer | undefined;
  iv?: Buffer | undefined;
}

/** A body worker failed, or could not write the file: the server's fault, not the client's. Nothing was kept. */
export class BodyWorkerFailed extends Error {
  override readonly name = "BodyWorkerFailed";
}

// A plain script (no module resolution: the same from src/ under tsx and from dist/).
const SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createCipheriv, createHash } = require("node:crypto");
const { closeSync, openSync, writeSync } = require("node:fs");
const jobs = new Map();
function close(job) {
  if (job.fd === undefined) return;
  const fd = job.fd;
  job.fd = undefined;
  closeSync(fd);
}
function fail(id, job, error) {
  jobs.delete(id);
  try { close(job); } catch {}
  parentPort.postMessage({ t: "error", job: id, message: String((error && error.message) || error) });
}
parentPort.on("message", (m) => {
  const job = jobs.get(m.job);
  if (m.t === "open") {
    const j = { slots: [], hashes: m.algs.map((a) => createHash(a)) };
    jobs.set(m.job, j);
    try {
      if (m.file) {
        j.fd = openSync(m.file.path, "w");
        if (m.file.key) j.cipher = createCipheriv("aes-256-ctr", Buffer.from(m.file.key), Buffer.from(m.file.iv));
      }
    } catch (error) { fail(m.job, j, error); }
  } else if (m.t === "data") {
    if (!job) return; // failed already
    try {
      if (m.sab) job.slots[m.slot] = Buffer.from(m.sab); // a slot's first use
      const data = job.slots[m.slot].subarray(0, m.len);
      for (const h of job.hashes) h.update(data);
      if (job.fd !== undefined) {
        const out = job.cipher ? job.cipher.update(data) : data;
        for (let at = 0; at < out.length; ) at += writeSync(job.fd, out, at, out.length - at);
      }
      parentPort.postMessage({ t: "free", job: m.job, slot: m.slot });
    } catch (error) { fail(m.job, job, error); }
  } else if (m.t === "end") {
    if (!job) return;
    try {
      close(job);
      jobs.delete(m.job);
      parentPort.postMessage({ t: "digest", job: m.job, hex: job.hashes.map((h) => h.digest("hex")) });
    } catch (error) { fail(m.job, job, error); }
  } else if (m.t === "stall") {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms); // tests: a slow worker
  } else if (m.t === "drop") {
    if (job) {
      jobs.delete(m.job);
      try { close(job); } catch {}
    }
    parentPort.postMessage({ t: "dropped", job: m.job });
  }
});
`;

type FromWorker =
  | { t: "free"; job: number; slot: number }
  | { t: "digest"; job: number; hex: string[] }
  | { t: "error"; job: number; message: string }
  | { t: "dropped"; job: number };

/** A worker owes no answer for longer than this while it has work: it is taken for hung and ended. */
const DEFAULT_STALL_MS = 60_000;

/** One worker thread and the jobs it has open. */
class BodyWorker {
  readonly worker: Worker;
  readonly jobs = new Map<number, BodyJob>();
  dead = false;
  private retired = false;
  /** Answers owed per job ("data" → "free", "end" → "digest", "drop" → "dropped"), and since when it was last heard. */
  private readonly owed = new Map<number, number>();
  private heardAt = 0;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly algs: HashName[],
    private readonly onDead: (w: BodyWorker) => void,
    private readonly stallMs: number = DEFAULT_STALL_MS,
  ) {
    this.worker = new Worker(SOURCE, { eval: true, name: `b2kit-body-${algs.join("+")}` });
    this.worker.on("message", (m: FromWorker) => {
      this.answered(m);
      this.jobs.get(m.job)?.heard(this, m);
    });
    // An uncaught error ends the thread: its jobs fail on "exit", once it can no longer touch their files.
    this.worker.on("error", (error) => {
      this.cause ??= error;
    });
    this.worker.on("exit", (code) => this.die(this.cause ?? new Error(`exited with code ${code}`)));
    // After the listeners (a "message" listener refs the worker again): an idle worker never holds the process.
    this.worker.unref();
  }

  /** Counts an answer (a failed or dropped job owes nothing more: the worker ignores its late messages). */
  private answered(m: FromWorker): void {
    this.heardAt = Date.now();
    if (m.t === "free") {
      const n = (this.owed.get(m.job) ?? 1) - 1;
      if (n > 0) this.owed.set(m.job, n);
      else this.owed.delete(m.job);
    } else {
      this.owed.delete(m.job);
    }
    if (this.owed.size === 0) this.stopWatchdog();
  }

  /**
   * Ends a worker that owes answers and has said nothing for `stallMs` (a write stuck on a dead
   * disk, say): its jobs then fail as for a crash (the clients get a 500 and retry), and a fresh
   * worker takes the next bodies. Without this, every upload it held would hang.
   */
  private owe(job: number): void {
    if (this.owed.size === 0) this.heardAt = Date.now();
    this.owed.set(job, (this.owed.get(job) ?? 0) + 1);
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      if (this.owed.size === 0 || Date.now() - this.heardAt < this.stallMs) return;
      // Its jobs fail now, not on "exit": a thread stuck in a system call ends only once the call returns.
      // A late write of that thread goes to a temp file already removed.
      this.die(new Error(`no answer for ${this.stallMs} ms`));
      void this.worker.terminate();
    }, Math.max(10, Math.min(1000, this.stallMs / 4)));
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private cause: Error | undefined;

  private die(cause: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.stopWatchdog();
    this.owed.clear();
    if (this.jobs.size > 0 && !this.retired)
      console.error(`b2kit server: body worker (${this.algs.join(", ")}) failed (${cause.message}); the ${this.jobs.size} upload(s) it had fail`);
    const failure = new BodyWorkerFailed(`body worker (${this.algs.join(", ")}) failed: ${cause.message}`, { cause });
    // Its jobs fail first: nothing that follows (starting the replacement) may leave them waiting.
    for (const job of [...this.jobs.values()]) job.fail(failure, this);
    this.jobs.clear();
    if (!this.retired) this.onDead(this);
  }

  /** Ends the worker on purpose (not counted as a failure). */
  async retire(): Promise<void> {
    this.retired = true;
    await this.worker.terminate();
  }

  post(message: { t: string; job: number; [k: string]: unknown }): void {
    if (this.dead) return;
    if (message.t === "data" || message.t === "end" || message.t === "drop") this.owe(message.job);
    this.worker.postMessage(message);
  }

  /** Keeps the process alive only while a job is open (an idle pool never holds the process). */
  opened(job: BodyJob): void {
    if (this.jobs.size === 0) this.worker.ref();
    this.jobs.set(job.id, job);
  }

  closed(job: BodyJob): void {
    if (this.jobs.delete(job.id) && this.jobs.size === 0) this.worker.unref();
  }
}

/**
 * How the work is spread over threads; the first worker also encrypts and writes. Per 64 MB on the 2-core machine
 * of bench/server-throughput.ts: SHA-1 ~50 ms, MD5 ~90 ms, write ~25 ms, AES-256-CTR ~55 ms, the copies into the
 * slots ~10 ms, the socket and HTTP work of the event loop ~50 ms.
 * - "md5-worker": SHA-1 on the event loop (as it copies), MD5 + encryption + write on one worker.
 * - "two-workers": SHA-1 + encryption + write on one worker, MD5 on another: the event loop keeps to I/O. The
 *   default: MD5 (~730 MB/s, one stream, one core) is the ceiling of any layout, and here it runs alone.
 * - "one-worker": both hashes, encryption and write on one worker.
 * Measured with a bare node:http client (64 MB uploads, 9 rounds, medians, two runs each): two-workers 513 / 493
 * MB/s, md5-worker 477 / 483, one-worker 423; a 1 GiB uploadFile in 4 parallel parts (3 runs, two runs each):
 * two-workers ~385 MB/s, md5-worker ~375. With undici's fetch as the client (which takes about a core itself),
 * md5-worker led: ~300 against ~285.
 */
export type BodyLayout = "md5-worker" | "two-workers" | "one-worker";

const LAYOUTS: Record<BodyLayout, { onLoop: HashName[]; workers: HashName[][] }> = {
  "md5-worker": { onLoop: ["sha1"], workers: [["md5"]] },
  "two-workers": { onLoop: [], workers: [["sha1"], ["md5"]] },
  "one-worker": { onLoop: [], workers: [["sha1", "md5"]] },
};

export class BodyWorkers {
  private workers: BodyWorker[] | undefined;
  private nextId = 1;
  /** Reused slots (allocating and zeroing a slot for each use would cost more than it saves). */
  private readonly spare: SharedArrayBuffer[] = [];
  /** For tests and diagnostics: bodies and bytes handed to the workers so far, workers that failed. */
  readonly stats = { jobs: 0, bytes: 0, workerFailures: 0 };

  constructor(
    readonly layout: BodyLayout = "two-workers",
    /** `stallMs`: how long a worker with work may stay silent before it is ended (DEFAULT_STALL_MS). */
    private readonly options: { stallMs?: number } = {},
  ) {}

  /** Starts the workers now rather than on the first large body (whose upload would wait for them). */
  warm(): void {
    this.live();
  }

  /** The worker threads' ids (started on first use). */
  get threadIds(): number[] {
    return this.live().map((w) => w.worker.threadId);
  }

  private live(): BodyWorker[] {
    if (!this.workers) {
      this.workers = LAYOUTS[this.layout].workers.map((algs) => this.spawn(algs));
    }
    return this.workers;
  }

  private spawn(algs: HashName[]): BodyWorker {
    return new BodyWorker(
      algs,
      (dead) => {
        this.stats.workerFailures++;
        const i = this.workers?.indexOf(dead) ?? -1;
        // Replaced right away: the jobs that follow go to a fresh worker.
        if (i >= 0 && this.workers) this.workers[i] = this.spawn(dead.algs);
      },
      this.options.stallMs,
    );
  }

  /** A new body: hashed, and written to `file` (encrypted when it has a key). */
  start(file: JobFile): BodyJob {
    this.stats.jobs++;
    const onLoop = LAYOUTS[this.layout].onLoop.map((alg) => [alg, createHash(alg)] as const);
    return new BodyJob(this.nextId++, this.live(), file, this, onLoop);
  }

  /** @internal a slot for a job (taken when it needs one more: a 1.5 MB body uses two) */
  slot(): SharedArrayBuffer {
    return this.spare.pop() ?? new SharedArrayBuffer(SLOT);
  }

  /** @internal a finished job's slots, for the next ones */
  recycle(slots: SharedArrayBuffer[]): void {
    for (const slot of slots) if (this.spare.length < 4 * SLOTS) this.spare.push(slot);
  }

  /** @internal */
  counted(bytes: number): void {
    this.stats.bytes += bytes;
  }

  /** Terminates the running workers as a crash would: their jobs fail, the next jobs get new workers (tests). */
  async terminateWorkers(): Promise<void> {
    await Promise.all((this.workers ?? []).map((w) => w.worker.terminate()));
  }

  /** Makes every worker busy for `ms` (tests: a slow worker, to see the backpressure). */
  stallWorkers(ms: number): void {
    for (const w of this.live()) w.post({ t: "stall", job: 0, ms });
  }

  /** Ends the workers (jobs still open fail); the next job starts new ones. */
  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.retire()));
  }
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** One body on the workers: add() in order, then end() for the digests (or abort()). */
export class BodyJob {
  /** Slots taken so far (at most SLOTS), their views, the free ones, how many workers hold each. */
  private readonly slots: SharedArrayBuffer[] = [];
  private readonly views: Buffer[] = [];
  private readonly free: number[] = [];
  private readonly holders: number[] = [];
  /** Slots the workers have not been sent yet. */
  private readonly unsent = new Set<number>();
  private current = -1;
  private filled = 0;
  private waiting: Waiter<void> | undefined;
  private failure: Error | undefined;
  private over = false;
  private readonly hex = new Map<HashName, string>();
  private ending: Waiter<Digests> | undefined;
  private dropping: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly workers: BodyWorker[],
    file: JobFile,
    private readonly pool: BodyWorkers,
    /** Hashes computed on the event loop, as the body is copied. */
    private readonly onLoop: (readonly [HashName, Hash])[],
  ) {
    workers.forEach((w, i) => {
      w.opened(this);
      const own = i === 0 ? { file: { path: file.path, ...(file.key && file.iv ? { key: file.key, iv: file.iv } : {}) } } : {};
      w.post({ t: "open", job: id, algs: w.algs, ...own });
    });
    const dead = workers.find((w) => w.dead);
    if (dead) this.fail(new BodyWorkerFailed("body worker not running"), dead);
  }

  private get writer(): BodyWorker {
    return this.workers[0] as BodyWorker;
  }

  /** Takes `data` next. Returns a promise when every slot is in flight: wait for it before the next add. */
  add(data: Buffer): void | Promise<void> {
    let at = 0;
    while (at < data.length) {
      if (this.failure) return Promise.reject(this.failure);
      if (this.current < 0) {
        let slot = this.free.pop();
        if (slot === undefined && this.slots.length < SLOTS) {
          slot = this.slots.push(this.pool.slot()) - 1;
          this.views.push(Buffer.from(this.slots[slot] as SharedArrayBuffer));
          this.holders.push(0);
          this.unsent.add(slot);
        }
        if (slot === undefined) {
          const rest = data.subarray(at);
          return new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject })).then(() => this.add(rest));
        }
        this.current = slot;
        this.filled = 0;
      }
      const n = data.copy(this.views[this.current] as Buffer, this.filled, at);
      for (const [, hash] of this.onLoop) hash.update(data.subarray(at, at + n));
      this.filled += n;
      at += n;
      this.pool.counted(n);
      if (this.filled === SLOT) this.send();
    }
  }

  /** A job whose worker is gone fails at once: a message to a dead worker is never answered. */
  private deadWorker(): boolean {
    const dead = this.workers.find((w) => w.dead);
    if (dead) this.fail(new BodyWorkerFailed("body worker not running"), dead);
    return dead !== undefined;
  }

  private send(): void {
    if (this.deadWorker()) return;
    const slot = this.current;
    this.current = -1;
    this.holders[slot] = this.workers.length;
    const sab = this.unsent.delete(slot) ? { sab: this.slots[slot] } : {};
    for (const w of this.workers) w.post({ t: "data", job: this.id, slot, len: this.filled, ...sab });
  }

  /** Everything added is hashed and written, the file closed: the digests. */
  end(): Promise<Digests> {
    if (this.failure || this.deadWorker()) return Promise.reject(this.failure ?? new BodyWorkerFailed("body worker not running"));
    if (this.current >= 0 && this.filled > 0) this.send();
    for (const [alg, hash] of this.onLoop) this.hex.set(alg, hash.digest("hex"));
    for (const w of this.workers) w.post({ t: "end", job: this.id });
    return new Promise<Digests>((resolve, reject) => (this.ending = { resolve, reject }));
  }

  /** @internal a message from one of the job's workers */
  heard(from: BodyWorker, m: FromWorker): void {
    if (m.t === "free") {
      if (--(this.holders[m.slot] as number) > 0) return;
      this.free.push(m.slot);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve();
    } else if (m.t === "digest") {
      from.closed(this);
      from.algs.forEach((alg, i) => this.hex.set(alg, m.hex[i] as string));
      if (this.hex.size < 2) return;
      this.finish(true);
      this.ending?.resolve({ sha1: this.hex.get("sha1") as string, md5: this.hex.get("md5") as string });
    } else if (m.t === "error") {
      // That worker closed the file and forgot the job (abort() tells the others).
      this.fail(new BodyWorkerFailed(`body worker: ${m.message}`), from);
    } else if (from === this.writer) {
      this.dropping?.();
    }
  }

  /** @internal the job cannot complete (`from` failed, or is gone) */
  fail(error: Error, from: BodyWorker): void {
    if (from === this.writer && from.dead) this.dropping?.(); // nothing will touch the file any more
    if (this.over) return;
    this.failure ??= error;
    this.finish(false);
    this.waiting?.reject(error);
    this.waiting = undefined;
    this.ending?.reject(error);
  }

  /**
   * Gives the job up (the body failed, or the job did): resolves once the file is closed and will not be touched
   * again (the writer has answered a `drop`, or is gone), so that it can be removed.
   */
  abort(): Promise<void> {
    if (!this.over) {
      this.failure ??= new BodyWorkerFailed("body given up");
      this.waiting?.reject(this.failure);
      this.waiting = undefined;
    }
    // The workers may still be reading a slot: those slots are not reused.
    this.finish(false);
    const writer = this.writer;
    if (writer.dead) return Promise.resolve();
    writer.opened(this); // to hear its answer
    const dropped = new Promise<void>((resolve) => (this.dropping = resolve));
    for (const w of this.workers) w.post({ t: "drop", job: this.id });
    return dropped.finally(() => writer.closed(this));
  }

  private finish(reuse: boolean): void {
    if (this.over) return;
    this.over = true;
    for (const w of this.workers) w.closed(this);
    if (reuse) this.pool.recycle(this.slots);
  }
}

/** The server process's body workers (started on first use, one set per process). */
export const bodyWorkers = new BodyWorkers();
