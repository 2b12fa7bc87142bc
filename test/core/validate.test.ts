import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { checkBucketName, checkFileInfo, checkFileName, checkInfoBudget, checkKeyName, checkPartNumber, checkRange } from "../../src/core/validate.js";

const rejects = (fn: () => void, rule: RegExp): void => {
  expect(fn).toThrow(ValidationError);
  expect(fn).toThrow(rule);
};

describe("file names", () => {
  it("accepts ordinary, unicode and nested names", () => {
    for (const name of ["a", "dir/sub/file.txt", "自由.txt", "😀 + % ~", "x".repeat(1024)]) expect(() => checkFileName(name)).not.toThrow();
  });
  it("rejects empty names and names over 1024 bytes of UTF-8", () => {
    rejects(() => checkFileName(""), /non-empty/);
    rejects(() => checkFileName("é".repeat(513)), /1024 bytes/);
  });
  it("rejects control characters and DEL", () => {
    rejects(() => checkFileName("a\u0001b"), /control characters/);
    rejects(() => checkFileName("a\u007fb"), /DEL/);
  });
  it("rejects leading, trailing and double slashes", () => {
    rejects(() => checkFileName("/a"), /start or end/);
    rejects(() => checkFileName("a/"), /start or end/);
    rejects(() => checkFileName("a//b"), /'\/\/'/);
  });
  it("is a BadRequest with status 400 and names the operation", () => {
    try {
      checkFileName("", "b2_upload_file");
    } catch (e) {
      expect((e as ValidationError).status).toBe(400);
      expect((e as ValidationError).operation).toBe("b2_upload_file");
    }
  });
});

describe("bucket and key names", () => {
  it("bucket: 6-63 letters, digits, '-', not b2-", () => {
    expect(() => checkBucketName("my-bucket-1")).not.toThrow();
    rejects(() => checkBucketName("short"), /6 to 63/);
    rejects(() => checkBucketName("x".repeat(64)), /6 to 63/);
    rejects(() => checkBucketName("bad_name!"), /letters, digits/);
    rejects(() => checkBucketName("b2-reserved"), /b2-/);
  });
  it("key: 1-100 letters, digits, '-'", () => {
    expect(() => checkKeyName("reader-1")).not.toThrow();
    rejects(() => checkKeyName("no spaces"), /key name/);
    rejects(() => checkKeyName("k".repeat(101)), /key name/);
  });
});

describe("parts, info, headers, ranges", () => {
  it("part numbers are 1..10000", () => {
    expect(() => checkPartNumber(1)).not.toThrow();
    expect(() => checkPartNumber(10_000)).not.toThrow();
    rejects(() => checkPartNumber(0), /1 to 10000/);
    rejects(() => checkPartNumber(10_001), /1 to 10000/);
    rejects(() => checkPartNumber(1.5), /1 to 10000/);
  });
  it("fileInfo keys follow B2's character rules; b2-* is reserved except the documented ones", () => {
    expect(() => checkFileInfo({ "src_last_modified_millis": "1", "b2-content-disposition": "inline" })).not.toThrow();
    rejects(() => checkFileInfo({ "has space": "x" }), /fileInfo key/);
    rejects(() => checkFileInfo({ ["k".repeat(51)]: "x" }), /50 bytes/);
    rejects(() => checkFileInfo({ "b2-private": "x" }), /reserved/);
  });
  it("header budget: 7000 bytes, 2048 with SSE or Object Lock", () => {
    const info = { big: "v".repeat(3000) };
    expect(() => checkInfoBudget("name", info, false)).not.toThrow();
    rejects(() => checkInfoBudget("name", info, true), /2048/);
    rejects(() => checkInfoBudget("name", { big: "v".repeat(7000) }, false), /7000/);
  });
  it("ranges must be bytes=START-END with START <= END", () => {
    for (const r of ["bytes=0-99", "bytes=100-", "bytes=-5"]) expect(() => checkRange(r)).not.toThrow();
    rejects(() => checkRange("0-99"), /invalid range/);
    rejects(() => checkRange("bytes=9-1"), /start is after end/);
  });
});
