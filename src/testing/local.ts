/** `startLocalServer()`: the stateful local B2 server, with the same `{ url, stop() }` shape as the mock. */
import { hideSecretField } from "../core/conceal.js";
import { startServer, type ControlClient, type StartServerOptions } from "../server/index.js";

/** A running local B2 server and its master key. */
export interface LocalServer {
  /** Base URL; pass it as the client's `authUrl`. */
  url: string;
  /** The master application key id (other keys are created through the API). */
  keyId: string;
  /** The master application key (a secret, like a real one). */
  key: string;
  /** The server's control API: fault injection, the request journal, the clock. */
  control: ControlClient;
  /** Stops the server (a child process) and removes its temporary data; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the local B2 server on a free loopback port, in a child process, with a fresh
 * temporary store (unless `dataDir` is given).
 *
 * @example
 * ```ts
 * const server = await startLocalServer();
 * const b2 = new Awaiting(server.keyId, server.key, { authUrl: server.url });
 * const [, bucket] = await b2.createBucket({ bucketName: "round-trip" });
 * await bucket.upload({ fileName: "a.txt" }, new TextEncoder().encode("hi"));
 * await b2.close();
 * await server.stop();
 * ```
 */
export async function startLocalServer(options: StartServerOptions = {}): Promise<LocalServer> {
  const server = await startServer(options);
  const handle: LocalServer = { url: server.url, keyId: server.keyId, key: server.key, control: server.control, stop: () => server.close() };
  return hideSecretField(handle, "key");
}
