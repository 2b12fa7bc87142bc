/** The walkthrough (`npm start`) runs end to end against the embedded local server, from dist/. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

it("examples/walkthrough.ts completes against the local B2 server and cleans up", async () => {
  const env = { ...process.env };
  delete env["B2_APPLICATION_KEY_ID"];
  delete env["B2_APPLICATION_KEY"];
  delete env["B2_AUTH_URL"];
  const { stdout } = await promisify(execFile)(process.execPath, ["dist/examples/walkthrough.js"], { cwd: root, env, timeout: 120_000 });
  expect(stdout).toContain("the local B2 server at http://127.0.0.1:");
  expect(stdout).toMatch(/saved big\.bin: sha1 ([0-9a-f]{40}) ✓/);
  expect(stdout).toContain("bucket removed");
  expect(stdout.trim().endsWith("Done.")).toBe(true);
}, 150_000);
