import { BlockingCore } from "../../src/blocking/index.js";

export const FAKE_CORE = new URL("./fixtures/fake-core.ts", import.meta.url);

/** A bridge over the fake core; `name` tells instances apart. */
export function fakeBridge(name = "A", callTimeoutMs = 10_000, extra: Record<string, unknown> = {}): BlockingCore {
  return new BlockingCore({
    coreModule: FAKE_CORE,
    factory: "createFakeCore",
    factoryArgs: [{ name, ...extra }],
    callTimeoutMs,
  });
}

export const client = () => ({ kind: "Client" as const });

/** The error a synchronous call throws (fails the test if it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}
