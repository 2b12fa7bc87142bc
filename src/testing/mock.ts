/** `startMockServer()`: Prism on the bundled spec behind a recording, host-rewriting front. */
import type { ChildProcess } from "node:child_process";
import { startMockProxy, type MockRequest } from "./mock-proxy.js";
import { bundledSpecPath, startPrism } from "./prism.js";

export type { MockRequest, Violation } from "./mock-proxy.js";

/** A running mock of the B2 Native API. */
export interface MockServer {
  /** Base URL; pass it as the client's `authUrl`. */
  url: string;
  /** The port of `url`. */
  port: number;
  /** The Prism child process. */
  child: ChildProcess;
  /** Every request received so far, oldest first. */
  readonly requests: readonly MockRequest[];
  /** The requests that did not match the spec (empty when all were valid). */
  violations(): MockRequest[];
  /** Forgets the requests recorded so far. */
  reset(): void;
  /** Stops the front and Prism; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startMockServer}. */
export interface MockOptions {
  /** Path of the OpenAPI document (default: the bundled B2 spec). */
  spec?: string;
  /** Milliseconds to wait for Prism to answer (default 30 s). */
  startTimeoutMs?: number;
}

/**
 * Starts a stateless mock of B2: every operation answers with the spec's example, and every
 * request is checked against the spec. Any credentials are accepted.
 *
 * @example
 * ```ts
 * const mock = await startMockServer();
 * const b2 = new Awaiting("any-key-id", "any-key", { authUrl: mock.url, maxAttempts: 1 });
 * await codeUnderTest(b2);
 * expect(mock.violations()).toEqual([]);
 * await b2.close();
 * await mock.stop();
 * ```
 */
export async function startMockServer(options: MockOptions = {}): Promise<MockServer> {
  const prism = await startPrism({ spec: options.spec ?? bundledSpecPath, startTimeoutMs: options.startTimeoutMs ?? 30_000 });
  const proxy = await startMockProxy(prism.port).catch(async (error: unknown) => {
    await prism.stop();
    throw error;
  });
  let stopping: Promise<void> | undefined;
  return {
    url: proxy.url,
    port: proxy.port,
    child: prism.child,
    requests: proxy.requests,
    violations: () => proxy.requests.filter((r) => r.violations.length > 0),
    reset: () => void proxy.requests.splice(0),
    stop: () =>
      (stopping ??= (async () => {
        proxy.server.closeAllConnections();
        await new Promise((resolve) => proxy.server.close(resolve));
        await prism.stop();
      })()),
  };
}
