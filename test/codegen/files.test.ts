/** Generator: what `npm run generate` writes and what `--check` reports, in a scratch directory. */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, staleFiles, writeFiles } from "../../codegen/generate.mjs";
import { scratchDir } from "../support/scratch.js";

const dir = scratchDir("b2kit-codegen-");
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

  // A copy of the generator, spec and output, so the real tree is never touched.
  const scratch = mkdtempSync(join(tmpdir(), "b2kit-codegen-tree-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const repo = new URL("../../", import.meta.url).pathname;
  for (const path of ["codegen", "spec", "generated", ".prettierrc.json"]) cpSync(join(repo, path), join(scratch, path), { recursive: true });
  symlinkSync(join(repo, "node_modules"), join(scratch, "node_modules"));
  // Start from fresh output, so the test does not depend on the real tree being regenerated yet.
  beforeAll(async () => void writeFiles(await generate(), pathToFileURL(`${scratch}/`)), 60_000);
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(scratch, "codegen/generate.mjs"), ...args]).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code: number; stderr: string }) => ({ code: error.code, out: error.stderr }),
    );

  it("exits 1 listing each file that differs or is stray, and npm run generate repairs them", async () => {
    writeFileSync(join(scratch, "generated/awaiting.ts"), `${readFileSync(join(scratch, "generated/awaiting.ts"), "utf8")}// hand edit\n`);
    writeFileSync(join(scratch, "generated/left-over.ts"), "export {};\n");
    const check = await run("--check");
    expect(check.code).toBe(1);
    expect(check.out).toContain("generated/awaiting.ts differs");
    expect(check.out).toContain("generated/left-over.ts is not generated (stray)");
    expect(check.out).not.toContain("generated/blocking.ts");
    expect((await run()).out).toBe("wrote generated/awaiting.ts\nremoved generated/left-over.ts\n");
    expect(await run("--check")).toEqual({ code: 0, out: "generated/ is up to date\n" });
  }, 90_000);

  it("refuses to generate from a broken table, listing every problem and writing nothing", async () => {
    const table = join(scratch, "codegen/operations.mjs");
    const broken = `{ class: "Bucket", name: "broken", kind: "paginated", b2: ["b2_nope"], params: [], returns: { void: true }, doc: "d", example: "x" }`;
    writeFileSync(table, `${readFileSync(table, "utf8")}\noperations.push(${broken});\n`);
    const before = readFileSync(join(scratch, "generated/operations.ts"), "utf8");
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^operation table problems \(\d+\):/);
    for (const problem of ["paginated rows need a page mapping", "the example does not call broken", "b2_nope is no operationId in the spec"])
      expect(result.out).toContain(`Bucket.broken: ${problem}`);
    expect(result.out).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(readFileSync(join(scratch, "generated/operations.ts"), "utf8")).toBe(before);
  }, 90_000);
});

describe("generated/ type-checks against the hand-written runtime it imports", () => {
  it("tsc -p codegen/tsconfig.generated.json", async () => {
    const tsc = new URL("../../node_modules/typescript7/bin/tsc", import.meta.url).pathname;
    await expect(promisify(execFile)(process.execPath, [tsc, "-p", "codegen/tsconfig.generated.json"])).resolves.toMatchObject({ stdout: "" });
  }, 60_000);
});

describe("the generator's own types", () => {
  it("codegen/*.mjs type-check with their JSDoc (tsc -p codegen/tsconfig.json)", async () => {
    const tsc = new URL("../../node_modules/typescript7/bin/tsc", import.meta.url).pathname;
    await expect(promisify(execFile)(process.execPath, [tsc, "-p", "codegen/tsconfig.json"])).resolves.toMatchObject({ stdout: "" });
  }, 60_000);
});
