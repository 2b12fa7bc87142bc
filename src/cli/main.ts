#!/usr/bin/env node
/**
 * The `b2kit` command. This file adds the `server` command; the others live in run.ts. `server` is dispatched
 * before run.ts is loaded, so running the local server never loads the SDK.
 */
import { UsageError, flagNumber, flagString, parseArgs, type Parsed } from "./args.js";

/** `b2kit server [--port P] [--host H] [--data DIR]`: options of the server command, in one place. */
export function serverOptions(args: Parsed): { port?: number; host?: string; dataDir?: string } {
  const port = flagNumber(args, "port");
  const host = flagString(args, "host");
  const dataDir = flagString(args, "data");
  return { ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}), ...(dataDir !== undefined ? { dataDir } : {}) };
}

async function serverCommand(args: Parsed): Promise<number> {
  // Loaded on demand: the server (SQLite, the spec validator) would slow every other command's start.
  const { runServer } = await import("../server/run.js");
  const running = await runServer(serverOptions(args));
  process.stdout.write(
    `b2kit local B2 server listening on ${running.url}\n` +
      `  data: ${running.dataDir}${args.flags.has("data") ? "" : " (temporary, removed on exit)"}\n` +
      `  B2_AUTH_URL=${running.url}\n  B2_APPLICATION_KEY_ID=${running.keyId}\n  B2_APPLICATION_KEY=${running.key}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => void running.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "server" && !argv.includes("--help")) {
    try {
      return await serverCommand(parseArgs(argv));
    } catch (error) {
      process.stderr.write(`b2kit: ${error instanceof Error ? error.message : String(error)}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
  }
  const { runCli } = await import("./run.js");
  return runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env }, { server: serverCommand });
}

process.exitCode = await main(process.argv.slice(2));
