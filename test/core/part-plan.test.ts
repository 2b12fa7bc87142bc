/** uploadFile's part plan: at least the chunk size, toward B2's recommended size, balanced over the lanes. */
import { describe, expect, it } from "vitest";
import { choosePartSize, planPartSize } from "../../src/core/ops/large-file.js";

const MB = 1_000_000;
const MiB = 1 << 20;
const b2 = { chunkSize: 5_000_024, minimum: 5 * MB, recommended: 100 * MB, lanes: 4 };
const parts = (size: number, partSize: number): number => Math.ceil(size / partSize);

describe("planPartSize", () => {
  it("fills every lane with equal parts when the file is under lanes × recommended", () => {
    expect(planPartSize(128 * MiB, b2)).toBe(Math.ceil((128 * MiB) / 4));
    expect(planPartSize(256 * MiB, b2)).toBe(Math.ceil((256 * MiB) / 4));
  });

  it("rounds the part count up to a multiple of the lanes (1 GiB: 12 parts, not 11)", () => {
    const size = 1024 * MiB;
    expect(parts(size, planPartSize(size, b2))).toBe(12);
  });

  it("never goes below the chunk size: a 12 MB file makes 2 parts, not 4", () => {
    const size = 12 * MB;
    const p = planPartSize(size, b2);
    expect(p).toBeGreaterThanOrEqual(b2.chunkSize);
    expect(parts(size, p)).toBe(2);
  });

  it("keeps the recommended size (last part shorter) when balancing would need smaller parts than allowed", () => {
    expect(planPartSize(4500, { chunkSize: 1000, minimum: 1000, recommended: 1000, lanes: 4 })).toBe(1000);
  });

  it("keeps a file within 10,000 parts and parts within 5 GB", () => {
    const size = 10 ** 13; // 10 TB: 2,000 parts at B2's 5 GB maximum
    const p = planPartSize(size, { ...b2, recommended: 10 ** 12 });
    expect(p).toBeLessThanOrEqual(5_000_000_000);
    expect(parts(size, p)).toBeLessThanOrEqual(10_000);
    expect(planPartSize(10 ** 12, { ...b2, lanes: 1 })).toBe(choosePartSize(10 ** 12, b2.chunkSize, b2.minimum));
  });

  it("one lane: parts of the recommended size", () => {
    expect(planPartSize(1024 * MiB, { ...b2, lanes: 1 })).toBe(100 * MB);
  });
});
