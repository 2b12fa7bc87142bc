/** The local B2 server for tests, with the same `{ url, stop() }` shape as the mock. */
import { startServer } from "../server/index.js";

export interface LocalServer {
  url: string;
  keyId: string;
  key: string;
  stop(): Promise<void>;
}

export async function startLocalServer(options: Parameters<typeof startServer>[0] = {}): Promise<LocalServer> {
  const server = await startServer(options);
  return { url: server.url, keyId: server.keyId, key: server.key, stop: () => server.close() };
}
