/**
 * Child-process entry of startServer(): config from B2KIT_SERVER_CONFIG (JSON), one JSON line on stdout once
 * listening, graceful stop on SIGTERM or when the parent goes away (stdin closes).
 */
import { runServer, type RunConfig } from "./run.js";

const config = JSON.parse(process.env["B2KIT_SERVER_CONFIG"] ?? "{}") as RunConfig;
const running = await runServer(config);
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
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
