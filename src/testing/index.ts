/**
 * b2kit/testing: contract-test your code against B2 without an account.
 * - `startMockServer()`: a Prism mock of the bundled B2 spec (stateless; answers from the
 *   spec's examples and rejects requests that do not match the spec).
 * - `startLocalServer()`: the stateful local B2 server (a real B2 Native API implementation).
 * Both listen on a free loopback port; pass `url` as `authUrl`, and `stop()` when done.
 */
export { bundledSpecPath, freePort, startMockServer, type MockOptions, type MockServer } from "./prism.js";
export { startLocalServer, type LocalServer } from "./local.js";
