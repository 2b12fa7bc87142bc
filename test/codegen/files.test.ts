/** Generator: what `npm run generate` writes and what `--check` reports, in a scratch directory. */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { staleFiles, writeFiles } from "../../codegen/generate.mjs";

const dir = mkdtempSync(join(tmpdir(), "b2kit-codegen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = pathToFileURL(`${dir}/`);
const files = { "generated/a.ts": "export const a = 1;\n", "generated/b.ts": "export const b = 2;\n" };

describe("staleFiles and writeFiles", () => {
  it("everything is stale in an empty tree; writing makes it current", () => {
    expect(staleFiles(files, base)).toEqual({ stale: ["generated/a.ts", "generated/b.ts"], stray: [] });
    expect(writeFiles(files, base)).toEqual({ written: ["generated/a.ts", "generated/b.ts"], removed: [] });
    expect(readFileSync(join(dir, "generated/b.ts"), "utf8")).toBe(files["generated/b.ts"]);
    expect(staleFiles(files, base)).toEqual({ stale: [], stray: [] });
  });
  it("an edited file is stale and rewritten; others are left alone", () => {
    writeFileSync(join(dir, "generated/a.ts"), "export const a = 2; // hand edit\n");
    expect(staleFiles(files, base).stale).toEqual(["generated/a.ts"]);
    expect(writeFiles(files, base).written).toEqual(["generated/a.ts"]);
    expect(readFileSync(join(dir, "generated/a.ts"), "utf8")).toBe(files["generated/a.ts"]);
  });
  it("a .ts file the generator no longer produces is stray and removed", () => {
    mkdirSync(join(dir, "generated"), { recursive: true });
    writeFileSync(join(dir, "generated/old.ts"), "export {};\n");
    writeFileSync(join(dir, "generated/notes.md"), "not ours\n");
    expect(staleFiles(files, base)).toEqual({ stale: [], stray: ["generated/old.ts"] });
    expect(writeFiles(files, base).removed).toEqual(["generated/old.ts"]);
    expect(existsSync(join(dir, "generated/old.ts"))).toBe(false);
    expect(existsSync(join(dir, "generated/notes.md"))).toBe(true);
  });
});

describe("npm run generate:check", () => {
  it("exits 0 on the checked-in tree", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["codegen/generate.mjs", "--check"]);
    expect(stdout).toContain("generated/ is up to date");
  }, 60_000);
});

describe("the generator's own types", () => {
  it("codegen/*.mjs type-check with their JSDoc (tsc -p codegen/tsconfig.json)", async () => {
    const tsc = new URL("../../node_modules/typescript7/bin/tsc", import.meta.url).pathname;
    await expect(promisify(execFile)(process.execPath, [tsc, "-p", "codegen/tsconfig.json"])).resolves.toMatchObject({ stdout: "" });
  }, 60_000);
});
