import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileHashFollower } from "../../src/core/hash-worker.js";
import { scratchDir } from "../support/scratch.js";

const dir = scratchDir("b2kit-hashworker-");

describe("FileHashFollower", () => {
  it("hashes a file as it grows, reading only what was announced as written", async () => {
    const path = join(dir, "growing.bin");
    const pieces = Array.from({ length: 5 }, () => randomBytes(3 << 20));
    writeFileSync(path, "");
    const follower = new FileHashFollower(path);
    let written = 0;
    for (const piece of pieces) {
      appendFileSync(path, piece);
      written += piece.length;
      follower.advance(written);
    }
    expect(await follower.digest(written)).toBe(createHash("sha1").update(Buffer.concat(pieces)).digest("hex"));
  });

  it("fails (does not hash a short file) when fewer bytes are there than announced", async () => {
    const path = join(dir, "short.bin");
    writeFileSync(path, randomBytes(1000));
    const follower = new FileHashFollower(path);
    await expect(follower.digest(2000)).rejects.toThrow(/read back 1000 of 2000/);
  });
});
