/**
 * Whole-file downloads into a positional sink (save's temporary file, download's byte array):
 * the first ranged GET starts writing at once, and as soon as its headers give the size the
 * rest is fetched as parallel ranged GETs, each lane writing where its bytes belong and taking
 * the next range as soon as it is free (nothing held in memory waiting for earlier ranges). The
 * whole-file SHA-1 follows behind the contiguous written prefix, reading back what was written,
 * and is checked at the end.
 */
import { createHash } from "node:crypto";
import { B2Error } from "../errors.js";
import type { DownloadSettings } from "../models.js";
import type { Context } from "./context.js";
import { type DownloadInfo, checksumMismatch, fetchRange, streamOnce } from "./download.js";
import { type DownloadTarget, operationOf } from "./download-get.js";
import { planRanges, runLanes } from "./download-ranges.js";
import { FileHashFollower } from "./hash-worker.js";
import { holdHeapHeadroom } from "./heap-headroom.js";

export interface PositionalSink {
  /** Writes `chunks` back to back from `position`. */
  write(chunks: Uint8Array[], position: number): Promise<void> | void;
  /** Reads back `length` written bytes from `position` (the view may be reused by the next read). */
  read(position: number, length: number): Promise<Uint8Array> | Uint8Array;
  /** The file written, when it is one: then a worker thread can hash it (see hash-worker.ts). */
  readonly path?: string | undefined;
}

/** Below this the hash worker's start-up costs more than hashing on the event loop. */
const WORKER_HASH_MIN = 32 << 20;

/** Bytes a lane gathers before one write: fewer, larger writes. */
const WRITE_BATCH = 1 << 20;
/** Bytes the hash reads back at once, and the least it waits for before reading. */
const READ_MAX = 4 << 20;
const READ_MIN = 1 << 20;
/**
 * Ranges written in place need no memory: bigger ones cost fewer requests (50 ms each over the
 * internet), smaller ones keep the hash closer behind (the last lanes' ranges are hashed after
 * the transfer ends). At least four ranges per lane, each at most 64 MiB.
 */
const MAX_RANGE = 64 * 1024 * 1024;
const RANGES_PER_LANE = 4;

/** A contiguous span of the file and how much of it is on the sink. */
interface Span {
  from: number;
  length: number;
  written: number;
}

/**
 * Downloads the whole file (or `settings.range`, in one GET) into the sink `open` makes once the
 * size is known; `onBytes` gets the running count. Returns the first answer's metadata.
 */
export async function downloadInto(
  ctx: Context,
  target: DownloadTarget,
  settings: DownloadSettings,
  open: (info: DownloadInfo) => PositionalSink,
  onBytes: (done: number, total: number | undefined) => void,
): Promise<DownloadInfo> {
  const concurrency = ctx.options.concurrency;
  if (settings.range !== undefined || concurrency < 2) return single(ctx, target, settings, open, onBytes);
  const chunkSize = ctx.options.chunkSize;
  const stop = new AbortController();
  const laneSettings = { ...settings, signal: settings.signal ? AbortSignal.any([settings.signal, stop.signal]) : stop.signal };
  let sink: PositionalSink | undefined;
  let meta: DownloadInfo | undefined;
  const spans: Span[] = [];
  let lanes: Promise<void> | undefined;
  let hashed: Promise<string | undefined> | undefined;
  let follower: FileHashFollower | undefined;
  let laneFailure: unknown;
  let done = 0;
  let wake: (() => void) | undefined;
  const changed = (): void => {
    follower?.advance(writtenPrefix());
    const w = wake;
    wake = undefined;
    w?.();
  };
  stop.signal.addEventListener("abort", changed);

  /** Writes a span's bytes in batches as they arrive. */
  const writer = (span: Span): { add(chunk: Uint8Array): Promise<void>; flush(): Promise<void> } => {
    let batch: Uint8Array[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      if (batched === 0) return;
      const chunks = batch;
      const n = batched;
      batch = [];
      batched = 0;
      await (sink as PositionalSink).write(chunks, span.from + span.written);
      span.written += n;
      changed();
    };
    return {
      async add(chunk) {
        batch.push(chunk);
        batched += chunk.byteLength;
        done += chunk.byteLength;
        onBytes(done, meta?.totalLength);
        if (batched >= WRITE_BATCH) await flush();
      },
      flush,
    };
  };

  /** Where the contiguous written part of the file ends. */
  const writtenPrefix = (): number => {
    let end = 0;
    for (const span of spans) {
      end = span.from + span.written;
      if (span.written < span.length) break;
    }
    return end;
  };

  /** The SHA-1 of the spans in order, read back behind the writers. */
  const follow = async (): Promise<string | undefined> => {
    const hash = createHash("sha1");
    for (const span of spans) {
      let at = 0;
      while (at < span.length) {
        const ready = span.written - at;
        if (ready >= READ_MIN || (ready > 0 && span.written === span.length)) {
          const n = Math.min(ready, READ_MAX);
          hash.update(await (sink as PositionalSink).read(span.from + at, n));
          at += n;
        } else {
          if (stop.signal.aborted) return undefined;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }
    }
    return hash.digest("hex");
  };

  let release: (() => void) | undefined;
  const start = (info: DownloadInfo): void => {
    meta = info;
    const total = info.totalLength ?? 0;
    sink = open({ ...info, length: total });
    const first = Math.min(info.length ?? total, total);
    spans.push({ from: 0, length: first, written: 0 });
    const pinned: DownloadTarget = info.fileId ? { fileId: info.fileId } : target;
    const perRange = Math.min(MAX_RANGE, Math.ceil((total - first) / (concurrency * RANGES_PER_LANE)));
    const ranges = planRanges(total, first, chunkSize, concurrency, Math.max(perRange, 1));
    for (const [from, to] of ranges) spans.push({ from, length: to - from + 1, written: 0 });
    if (info.sha1 && sink.path !== undefined && total >= WORKER_HASH_MIN) {
      follower = new FileHashFollower(sink.path);
    } else if (info.sha1) {
      hashed = follow();
      hashed.catch(() => stop.abort()); // a failed read-back stops the lanes; the error is thrown below
    }
    if (ranges.length > 0) release ??= holdHeapHeadroom();
    lanes = runLanes(ranges.length, concurrency, async (i) => {
      const span = spans[i + 1] as Span;
      const out = writer(span);
      try {
        await fetchRange(ctx, pinned, laneSettings, span.from, span.from + span.length - 1, (chunk) => out.add(chunk));
        await out.flush();
      } catch (error) {
        laneFailure ??= error;
        throw error;
      }
    });
    lanes.catch(() => stop.abort());
  };

  try {
    let head: ReturnType<typeof writer> | undefined;
    try {
      for await (const chunk of streamOnce(ctx, target, { ...laneSettings, range: `bytes=0-${chunkSize - 1}` }, start)) {
        head ??= writer(spans[0] as Span);
        await head.add(chunk);
      }
      await head?.flush();
    } catch (error) {
      // An empty file has no byte 0: B2 answers 416 to any range. Fetch it plainly.
      if (error instanceof B2Error && error.status === 416 && !meta) return await single(ctx, target, settings, open, onBytes);
      throw error;
    }
    await lanes;
    const actual = follower ? await follower.digest(meta?.totalLength ?? 0) : await hashed;
    const info = meta as DownloadInfo;
    if (info.sha1 && actual !== info.sha1) throw checksumMismatch(operationOf(target), actual ?? "", info.sha1);
    return { ...info, length: info.totalLength };
  } catch (error) {
    // The caller's own abort, then the lane failure that stopped the others, win over their echoes.
    if (settings.signal?.aborted) throw settings.signal.reason instanceof Error ? settings.signal.reason : error;
    throw laneFailure ?? error;
  } finally {
    stop.abort();
    await lanes?.catch(() => undefined);
    await hashed?.catch(() => undefined);
    follower?.close();
    release?.();
  }
}

/** One GET written in order (a requested range, or concurrency 1); streamOnce checks a whole file's SHA-1. */
async function single(
  ctx: Context,
  target: DownloadTarget,
  settings: DownloadSettings,
  open: (info: DownloadInfo) => PositionalSink,
  onBytes: (done: number, total: number | undefined) => void,
): Promise<DownloadInfo> {
  let sink: PositionalSink | undefined;
  let meta: DownloadInfo | undefined;
  let position = 0;
  let batch: Uint8Array[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    await (sink as PositionalSink).write(batch, position);
    position += batched;
    batch = [];
    batched = 0;
  };
  for await (const chunk of streamOnce(ctx, target, settings, (info) => {
    meta = info;
    sink = open(info);
  })) {
    batch.push(chunk);
    batched += chunk.byteLength;
    onBytes(position + batched, meta?.length);
    if (batched >= WRITE_BATCH) await flush();
  }
  await flush();
  return meta as DownloadInfo;
}
