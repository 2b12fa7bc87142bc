import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { basic } from "./support.js";

const bootstrap = fileURLToPath(new URL("../../src/server/dev-bootstrap.mjs", import.meta.url));
const main = new URL("../../src/cli/main.ts", import.meta.url).href;

describe("b2kit server", () => {
  it("prints the URL and master credentials, serves B2, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [bootstrap, main, "server", "--port", "0", "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    for await (const line of reader) {
      lines.push(line);
      if (line.includes("B2_APPLICATION_KEY=")) break;
    }
    const value = (name: string): string => (lines.find((l) => l.includes(`${name}=`)) ?? "").split("=")[1] ?? "";
    const url = value("B2_AUTH_URL");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${url}/b2api/v4/b2_authorize_account`, { headers: { authorization: basic(value("B2_APPLICATION_KEY_ID"), value("B2_APPLICATION_KEY")) } });
    expect(r.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("refuses a non-numeric port with a usage error", async () => {
    const child = spawn(process.execPath, [bootstrap, main, "server", "--port", "abc"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port must be a number/);
  });
});
