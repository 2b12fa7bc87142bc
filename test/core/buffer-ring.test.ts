import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferRing, chunkWritten } from "../../src/core/buffer-ring.js";
import { bodyText, bulkRequest } from "../../src/core/bulk-http.js";

describe("BufferRing", () => {
  it("lends a buffer again only once it is given back, through any view of its memory", () => {
    const ring = new BufferRing(16, 2);
    const a = ring.take();
    const b = ring.take();
    expect(a).not.toBe(b);
    expect(ring.made).toBe(2);
    chunkWritten(a.subarray(0, 5)); // a short last read is a view of the same memory
    chunkWritten(a); // twice: still one free buffer
    expect(ring.free).toBe(1);
    expect(ring.take()).toBe(a);
    expect(ring.made).toBe(2);
  });

  it("keeps at most `keep` free buffers and ignores memory it did not lend", () => {
    const ring = new BufferRing(8, 1);
    const [a, b] = [ring.take(), ring.take()];
    chunkWritten(a);
    chunkWritten(b);
    chunkWritten(Buffer.alloc(8));
    expect(ring.free).toBe(1);
  });
});

describe("bulk-http bodies read into a ring", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A slow reader: the client's socket fills up, so chunks wait in Node's write queue.
    server = createServer((req, res) => {
      const hash = createHash("sha1");
      let n = 0;
      req.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        n += chunk.length;
        req.pause();
        setTimeout(() => req.resume(), 1);
      });
      req.on("end", () => res.end(JSON.stringify({ n, sha1: hash.digest("hex") })));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ctx = { options: { userAgent: "b2kit-test", headers: {} } } as never;
  const SIZE = 256 << 10;
  const COUNT = 64;

  it("reuses buffers the socket has written, never one it still holds: two bodies sharing a ring arrive intact", async () => {
    // As the lanes of an upload do: while one body's chunk waits in its socket's queue, the other
    // body takes buffers. Given back too early, that chunk would be overwritten before it is sent.
    const ring = new BufferRing(SIZE, 8);
    const send = async (seed: number): Promise<void> => {
      const expected = createHash("sha1");
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < COUNT; i++) {
          const buffer = ring.take();
          buffer.fill((seed + i) % 251);
          expected.update(buffer);
          yield buffer;
          await new Promise((r) => setImmediate(r)); // let the other body run
        }
      }
      const response = await bulkRequest(ctx, { method: "POST", url, headers: {}, body: { length: SIZE * COUNT, chunks: chunks() }, signal: new AbortController().signal });
      const got = JSON.parse(await bodyText(response)) as { n: number; sha1: string };
      expect(got).toEqual({ n: SIZE * COUNT, sha1: expected.digest("hex") });
    };
    await Promise.all([send(0), send(100)]);
    expect(ring.made).toBeLessThan(COUNT);
  });
});
