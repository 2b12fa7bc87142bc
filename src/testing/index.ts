/**
 * `b2kit/testing`: contract-test your code against B2 without an account.
 * - {@link startMockServer}: a Prism mock of the bundled B2 spec. Stateless: it answers from the
 *   spec's examples and records whether each request your code sent matches the spec.
 * - {@link startLocalServer}: the stateful local B2 server (a working B2 Native API).
 * Both listen on a free loopback port; pass `url` as `authUrl`, and `stop()` when done. They
 * work from any test runner (vitest, jest, node:test).
 * @module
 */
export { startMockServer, type MockOptions, type MockRequest, type MockServer, type Violation } from "./mock.js";
export { startLocalServer, type LocalServer } from "./local.js";
export { bundledSpecPath, freePort } from "./prism.js";
export type { StartServerOptions } from "../server/index.js";
