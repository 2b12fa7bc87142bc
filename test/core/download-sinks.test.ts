import { describe, expect, it } from "vitest";
import { FileSink } from "../../src/core/download-sinks.js";

describe("FileSink", () => {
  it("flushes to disk in the background every 128 MiB written, and sync() waits for that flush before the last", async () => {
    const calls: string[] = [];
    let release: (() => void) | undefined;
    const handle = {
      writev: async (chunks: Uint8Array[]) => ({ bytesWritten: chunks.reduce((n, c) => n + c.byteLength, 0) }),
      datasync: () => {
        calls.push("datasync");
        return new Promise<void>((resolve) => (release = resolve));
      },
      sync: async () => void calls.push("sync"),
    };
    const sink = new FileSink(handle as never);
    const mib = new Uint8Array(1 << 20);
    for (let i = 0; i < 127; i++) await sink.write([mib], i << 20);
    expect(calls).toEqual([]);
    await sink.write([mib], 127 << 20); // 128 MiB: a flush starts, the download goes on
    for (let i = 128; i < 300; i++) await sink.write([mib], i << 20); // while it runs, no second one
    expect(calls).toEqual(["datasync"]);
    const done = sink.sync();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual(["datasync"]); // the final sync waits for the flush in flight
    release?.();
    await done;
    expect(calls).toEqual(["datasync", "sync"]);
  });
});
