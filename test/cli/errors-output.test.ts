/** Exit codes, error messages (no stack unless --debug), --help, and progress output only on a terminal. */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import type { LocalB2Server } from "../../src/server/index.js";
import { freePort } from "../../src/testing/index.js";
import { b2kit, bin, ensureBuilt, ok, serverWithEnv } from "./support.js";

// script(1) (util-linux) gives the binary a pseudo-terminal; the TTY test is skipped without it.
const hasScript = await promisify(execFile)("script", ["--version"]).then(
  () => true,
  () => false,
);
let server: LocalB2Server;
let env: Record<string, string>;
let scratch: string;
beforeAll(async () => {
  await ensureBuilt();
  ({ server, env } = await serverWithEnv());
  await ok(["bucket", "create", "cli-errors"], env);
  scratch = await mkdtemp(join(tmpdir(), "b2kit-cli-errors-"));
  await writeFile(join(scratch, "big.bin"), randomBytes(3_000_000));
});
afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("B2 errors", () => {
  it("print `operation: status code: message` on one line, no stack, exit 1", async () => {
    const run = await b2kit(["bucket", "create", "cli-errors"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("b2kit: b2_create_bucket: 400 duplicate_bucket_name: Bucket name is already in use.\n");
  });

  it("--debug adds the stack trace", async () => {
    const run = await b2kit(["bucket", "create", "cli-errors", "--debug"], env);
    expect(run.code).toBe(1);
    const [first, ...rest] = run.stderr.trimEnd().split("\n");
    expect(first).toBe("b2kit: b2_create_bucket: 400 duplicate_bucket_name: Bucket name is already in use.");
    expect(rest[0]).toMatch(/^BadRequest: /);
    expect(rest.filter((l) => /^\s+at /.test(l)).length).toBeGreaterThan(2);
  });

  it("a missing local file is exit 1 with the system's message", async () => {
    const run = await b2kit(["upload", join(scratch, "absent"), "b2://cli-errors/x"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^b2kit: ENOENT: no such file or directory/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("no server answering: the connection error, no status, no stack, exit 1 (after the SDK's retries)", async () => {
    const port = await freePort();
    const run = await b2kit(["authorize"], { ...env, B2_AUTH_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^b2kit: b2_authorize_account: \w+: .+\n$/);
    expect(run.stderr).not.toContain(env["B2_APPLICATION_KEY"]);
  }, 60_000);
});

describe("usage errors exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["no command", [], /^b2kit: no command given\nusage: b2kit/],
    ["an unknown command", ["frobnicate"], /^b2kit: unknown command "frobnicate"/],
    ["a path that is not b2://", ["ls", "/tmp"], /^b2kit: expected a b2:\/\/BUCKET\/NAME path, got "\/tmp"\n$/],
    ["an unknown option", ["ls", "--version", "b2://cli-errors"], /^b2kit: unknown option --version\n$/],
    ["an option without its value", ["url", "b2://cli-errors/x", "--duration"], /^b2kit: --duration needs a value\n$/],
    ["a non-numeric number", ["url", "b2://cli-errors/x", "--duration", "soon"], /^b2kit: --duration must be a number\n$/],
    ["missing arguments", ["upload", "only-one"], /^b2kit: usage: b2kit upload LOCAL/],
    ["a folder where a file is needed", ["rm", "b2://cli-errors/dir/"], /^b2kit: usage: b2kit rm/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const run = await b2kit(args, env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    });
  }

  it("missing credentials", async () => {
    const run = await b2kit(["bucket", "list"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("b2kit: set B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY (and B2_AUTH_URL for another endpoint)\n");
  });

  it("--help prints the usage on stdout and exits 0", async () => {
    const run = await b2kit(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: b2kit <command> \[options\]\n[\s\S]*--json/);
  });

  it("`server --help` prints the usage instead of starting a server", async () => {
    const run = await b2kit(["server", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: b2kit/);
  });
});

describe("output modes", () => {
  it("--json output parses as JSON for every listing command", async () => {
    for (const args of [["bucket", "list"], ["ls", "b2://cli-errors"], ["key", "list"], ["authorize"], ["url", "b2://cli-errors/x"]]) {
      const run = await b2kit([...args, "--json"], env);
      expect(run.code, args.join(" ")).toBe(0);
      expect(() => JSON.parse(run.stdout) as unknown, args.join(" ")).not.toThrow();
    }
  });

  it("piped: no progress output, only the result on stdout", async () => {
    const run = await b2kit(["upload", join(scratch, "big.bin"), "b2://cli-errors/piped.bin"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^\S+ {2}piped\.bin\n$/);
    const down = await b2kit(["download", "b2://cli-errors/piped.bin", join(scratch, "piped.out")], env);
    expect(down.stderr).toBe("");
  });

  it.skipIf(!hasScript)("on a terminal: a progress bar on stderr (run under script(1) for a pty)", async () => {
    const command = [process.execPath, bin, "upload", join(scratch, "big.bin"), "b2://cli-errors/tty.bin"].map((a) => `'${a}'`).join(" ");
    const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"], { env: { ...process.env, ...env } });
    expect(stdout).toMatch(/\rtty\.bin █{30} 3\.0\/3\.0 MB\r?\n/);
    expect(stdout).toMatch(/tty\.bin\r?\n$/);
  });

  it("the bar redraws at most every 100 ms and ends with a newline", () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WritableStream & { isTTY: boolean };
    const progress = createOutput(false, tty, tty).progress("f")!;
    for (let bytes = 0; bytes < 1_000_000; bytes += 1000) progress({ bytes, total: 1_000_000 });
    progress({ bytes: 1_000_000, total: 1_000_000 });
    progress({ bytes: 1_000_000, total: 1_000_000 });
    expect(written.length).toBeLessThan(5);
    expect(written.slice(-2)).toEqual([`\rf ${"█".repeat(30)} 1.0/1.0 MB`, "\n"]);
    expect(createOutput(true, tty, tty).progress("f")).toBeUndefined();
    expect(createOutput(false, tty, { write: () => true } as unknown as NodeJS.WritableStream).progress("f")).toBeUndefined();
  });
});
