/**
 * Child-process entry of startServer(): the config arrives as the first line on stdin (JSON; it may carry the
 * master key, so not in argv or the environment), one JSON line goes to stdout once listening, and the server
 * stops on SIGTERM or when the parent goes away (stdin closes).
 */
import { createInterface } from "node:readline";
import { runServer, type RunConfig } from "./run.js";

const lines = createInterface({ input: process.stdin });
const first = await new Promise<string>((resolve) => {
  lines.once("line", resolve);
  lines.once("close", () => resolve("{}"));
});
const config = JSON.parse(first) as RunConfig;
const running = await runServer(config).catch(async (error: unknown): Promise<never> => {
  // E.g. the data directory is in use by another server: the message (not a stack) reaches startServer's caller.
  await new Promise((written) => process.stderr.write(`b2kit server: ${error instanceof Error ? error.message : String(error)}\n`, written));
  process.exit(1);
});
process.stdout.write(`${JSON.stringify({ url: running.url, keyId: running.keyId, key: running.key, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
lines.on("close", stop);
process.stdin.on("error", stop);
