/**
 * The b2kit command line, minus process wiring (main.ts): dispatch, output mode, and errors as
 * messages with exit codes (1 for B2 and I/O errors, 2 for usage), stack traces only with --debug.
 */
import { B2Error } from "../errors.js";
import { parseArgs, UsageError, type Parsed } from "./args.js";
import { bucketCommand } from "./commands/buckets.js";
import { authorizeCommand } from "./commands/authorize.js";
import { downloadCommand } from "./commands/download.js";
import { cpCommand, hideCommand, rmCommand } from "./commands/files.js";
import { lsCommand } from "./commands/ls.js";
import { uploadCommand } from "./commands/upload.js";
import { urlCommand } from "./commands/url.js";
import { keyCommand } from "./commands/keys.js";
import { createContext, type Context } from "./context.js";
import { createOutput } from "./output.js";

export const USAGE = `usage: b2kit <command> [options]
  server [--port P] [--host H] [--data DIR]     run the local B2 server
  authorize                                     check B2_APPLICATION_KEY_ID / B2_APPLICATION_KEY
  bucket list | create NAME [allPrivate|allPublic] | update NAME [TYPE] [--info K=V,...] | delete NAME
  ls [--versions] [--recursive] b2://BUCKET[/PREFIX]
  upload LOCAL b2://BUCKET/NAME [--content-type T] [--concurrency N]   (a directory uploads under the prefix)
  download b2://BUCKET/NAME LOCAL               (a folder downloads into a directory)
  rm [--versions] b2://BUCKET/NAME · hide b2://BUCKET/NAME · cp b2://BUCKET/SRC b2://BUCKET/DST
  key list | create NAME CAP[,CAP...] [--bucket NAME] [--prefix P] [--duration S] | delete KEYID
  url b2://BUCKET/NAME [--duration SECONDS]
options: --json (machine-readable output), --debug (stack traces)`;

type Command = (ctx: Context, args: Parsed) => Promise<void>;

const commands: Record<string, Command> = {
  authorize: authorizeCommand,
  bucket: bucketCommand,
  ls: lsCommand,
  upload: uploadCommand,
  download: downloadCommand,
  rm: rmCommand,
  hide: hideCommand,
  cp: cpCommand,
  key: keyCommand,
  url: urlCommand,
};

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** Runs one command line; resolves to the exit code. `extra` adds commands (e.g. `server`). */
export async function runCli(argv: string[], io: Io, extra: Record<string, (args: Parsed) => Promise<number | void>> = {}): Promise<number> {
  let args: Parsed | undefined;
  try {
    args = parseArgs(argv);
    const name = args.positionals[0];
    if (args.flags.has("help")) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!name) throw new UsageError(`no command given\n${USAGE}`);
    const special = extra[name];
    if (special) return (await special(args)) ?? 0;
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}\n${USAGE}`);
    const ctx = createContext(createOutput(args.flags.has("json"), io.stdout, io.stderr), io.env);
    try {
      await command(ctx, args);
    } finally {
      await ctx.b2.close();
    }
    return 0;
  } catch (error) {
    const debug = args?.flags.has("debug") ?? false;
    if (error instanceof UsageError) {
      io.stderr.write(`b2kit: ${error.message}\n`);
      return 2;
    }
    // `status code: message`, prefixed by the B2 operation when the error came from one.
    // Status 0 means no HTTP answer (connection refused, timeout): there is no status to show.
    if (error instanceof B2Error) io.stderr.write(`b2kit: ${error.operation ? `${error.operation}: ` : ""}${error.status ? `${error.status} ` : ""}${error.code}: ${error.message}\n`);
    else io.stderr.write(`b2kit: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
