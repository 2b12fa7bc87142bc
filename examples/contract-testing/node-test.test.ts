/** Runs the node:test variant as a user would (`node --test`), so it stays green in CI too. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const file = fileURLToPath(new URL("./report-archiver.node-test.ts", import.meta.url));

it("passes under node --test", async () => {
  const run = promisify(execFile)(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", file], { timeout: 120_000 });
  const { stdout } = await run.catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`node --test failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });
  expect(stdout).toMatch(/^# pass 2$/m);
  expect(stdout).toMatch(/^# fail 0$/m);
}, 130_000);
