/**
 * Inputs the Blocking client cannot carry to its worker thread (streams, async iterables,
 * AbortSignals, anything structured clone refuses) fail with a ValidationError that says what
 * to pass instead, before anything is sent to the worker.
 */
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { Blocking } from "../../src/index.js";
import { client, fakeBridge, thrown } from "./helpers.js";

const bytes = () => new Uint8Array([1, 2, 3]);

const streams: [label: string, kind: RegExp, make: () => unknown][] = [
  ["a Node Readable", /argument 2 is a Node Readable stream/, () => Readable.from([bytes()])],
  [
    "a web ReadableStream",
    /argument 2 is a web ReadableStream/,
    () =>
      new ReadableStream({
        start(c) {
          c.enqueue(bytes());
          c.close();
        },
      }),
  ],
  [
    "an async generator",
    /argument 2 is an async iterable/,
    () =>
      (async function* () {
        yield bytes();
      })(),
  ],
];

describe("Blocking client: inputs that cannot cross to the worker", () => {
  // No server: every one of these fails before a worker starts or a request is made.
  const b2 = new Blocking("id", "key", { authUrl: "http://127.0.0.1:9", callTimeout: 5 });
  afterAll(() => b2.close());
  const bucket = b2.bucket("bucket-id");

  for (const [label, kind, make] of streams) {
    it(`uploadStream(${label}) is a ValidationError saying what Blocking accepts`, () => {
      const e = thrown(() => bucket.uploadStream({ fileName: "x" }, make() as never));
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect(v.message).toMatch(/^Bucket\.uploadStream: /);
      expect(v.message).toMatch(kind);
      expect(v.message).toContain("a Uint8Array, or a sync iterable of Uint8Array chunks");
      expect(v.operation).toBe("Bucket.uploadStream");
    });
  }

  it("a signal in upload or download settings is a ValidationError: signals are Awaiting-only", () => {
    const signal = new AbortController().signal;
    for (const call of [
      () => bucket.upload({ fileName: "x", signal }, bytes()),
      () => bucket.uploadStream({ fileName: "x", signal }, [bytes()]),
      () => b2.file("file-id").download({ signal }),
    ]) {
      const e = thrown(call);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as Error).message).toMatch(/`signal` is an AbortSignal/);
      expect((e as Error).message).toMatch(/Awaiting-only.*`callTimeout`/);
    }
  });

  it("downloadIterate({ signal }) fails at its first next() with a ValidationError", () => {
    const iterator = b2.file("file-id").downloadIterate({ signal: new AbortController().signal });
    const e = thrown(() => iterator.next());
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toMatch(/^File\.downloadIterate: `signal` is an AbortSignal/);
  });
});

describe("Blocking bridge: refused args never reach the worker", () => {
  const core = fakeBridge("unsupported");
  afterAll(() => core.close());

  it("refuses before starting a worker, and the bridge still works afterwards", () => {
    const e = thrown(() => core.run("consume", client(), [{ source: Readable.from([bytes()]) }]));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toMatch(/^consume: `source` is a Node Readable stream/);
    expect(core._workerExit()).toBeUndefined(); // no worker was started for it
    const it2 = thrown(() => core.iterate("count", client(), [3, { signal: new AbortController().signal }]));
    expect(it2).toBeInstanceOf(ValidationError);
    expect(core._workerExit()).toBeUndefined();
    expect(core.run("echo", client(), ["still fine"])).toBe("still fine");
  });

  it("a value structured clone refuses (a Promise) is a ValidationError, not a DataCloneError", () => {
    const e = thrown(() => core.run("echo", client(), [{ data: Promise.resolve(bytes()) }]));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toMatch(/^echo: an argument cannot be sent to the Blocking client's worker thread/);
    expect(core.run("echo", client(), [7])).toBe(7); // the worker is unharmed
  });
});
