/**
 * The package as users get it: after `npm run build` (run by `npm test`'s pretest), plain Node
 * imports b2kit, b2kit/server and b2kit/testing through the exports map (no tsx, no vitest).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function runNode(source: string): string {
  return execFileSync(process.execPath, ["--input-type=module", "-e", source], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
}

describe("the built package", () => {
  it("exports both clients, every handle class and the error classes from 'b2kit'", () => {
    const out = runNode(`
      import * as b2kit from "b2kit";
      const names = ["Awaiting", "Blocking", "AwaitingBucket", "AwaitingFile", "AwaitingParts", "AwaitingKey",
        "BlockingBucket", "BlockingFile", "BlockingParts", "BlockingKey", "B2Error", "BadRequest", "Unauthorized", "Forbidden",
        "NotFound", "RequestTimeout", "Conflict", "RangeNotSatisfiable", "TooManyRequests", "InternalError", "ServiceUnavailable",
        "RequestAttemptsFailed", "AuthorizeRequired"];
      console.log(JSON.stringify(names.filter((n) => typeof b2kit[n] !== "function")));
    `);
    expect(JSON.parse(out)).toEqual([]);
  });

  it("runs a Blocking client from plain Node against the local server started from 'b2kit/server'", () => {
    const out = runNode(`
      import { Blocking } from "b2kit";
      import { startServer } from "b2kit/server";
      const server = await startServer({});
      const b2 = new Blocking(server.keyId, server.key, { authUrl: server.url });
      const [, bucket] = b2.createBucket({ bucketName: "package-test-bucket" });
      const [model, file] = bucket.upload({ fileName: "hi.txt" }, new TextEncoder().encode("hi"));
      console.log(JSON.stringify({ name: model.fileName, text: new TextDecoder().decode(file.download()) }));
      b2.close();
      await server.close();
    `);
    expect(JSON.parse(out)).toEqual({ name: "hi.txt", text: "hi" });
  });

  it("exports the testing kit from 'b2kit/testing'", () => {
    const out = runNode(`import * as t from "b2kit/testing"; console.log(typeof t.startMockServer, typeof t.startLocalServer);`);
    expect(out.trim()).toBe("function function");
  });
});
