/**
 * The compiled bridge (as in dist/) must run on plain Node: worker.js loads directly and tsx
 * is never needed. The bridge, its worker and the fake core are compiled into a temp dir
 * outside the repo, where tsx cannot even be resolved, and driven from a child process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "b2kit-bridge-dist-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it("runs from compiled JavaScript without tsx", () => {
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify({
      extends: join(repo, "tsconfig.json"),
      compilerOptions: {
        noEmit: false,
        rootDir: repo,
        outDir: join(out, "dist"),
        declaration: false,
        sourceMap: false,
        typeRoots: [join(repo, "node_modules/@types")],
      },
      include: [],
      files: ["src/blocking/index.ts", "src/blocking/worker.ts", "test/blocking/fixtures/fake-core.ts"].map((f) =>
        join(repo, f),
      ),
    }),
  );
  execFileSync(process.execPath, [join(repo, "node_modules/typescript7/bin/tsc"), "-p", join(out, "tsconfig.json")]);
  writeFileSync(join(out, "package.json"), '{ "type": "module" }');
  writeFileSync(
    join(out, "main.js"),
    `import { BlockingCore } from "./dist/src/blocking/index.js";
const core = new BlockingCore({ coreModule: new URL("./dist/test/blocking/fixtures/fake-core.js", import.meta.url), factory: "createFakeCore", factoryArgs: [{ name: "dist" }], callTimeoutMs: 20000 });
const who = core.run("whoami", { kind: "Client" }, []);
const items = [...core.iterate("count", { kind: "Client" }, [3])];
let err;
try { core.run("notFound", { kind: "Client" }, []); } catch (e) { err = [e.constructor.name, e.status, e.cause.constructor.name]; }
core.close();
console.log(JSON.stringify({ who: who.name, items, err }));
`,
  );
  const stdout = execFileSync(process.execPath, [join(out, "main.js")], { cwd: out, timeout: 30_000 }).toString();
  expect(JSON.parse(stdout)).toEqual({
    who: "dist",
    items: [0, 1, 2],
    err: ["NotFound", 404, "RequestAttemptsFailed"],
  });
});
