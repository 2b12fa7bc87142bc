import { describe, expect, it } from "vitest";
import { b2Decode, b2Encode, encodeDownloadPath } from "../../src/core/encoding.js";

// B2's documented string-encoding vectors (minimal form): these characters stay as they are…
const unescaped = ["!", "$", "'", "(", ")", "*", "-", ".", "/", ":", ";", "=", "@", "_", "~", "A", "z", "0", "9"];
// …and these are percent-encoded.
const escaped: [string, string][] = [
  [" ", "%20"],
  ['"', "%22"],
  ["#", "%23"],
  ["%", "%25"],
  ["&", "%26"],
  ["+", "%2B"],
  [",", "%2C"],
  ["<", "%3C"],
  [">", "%3E"],
  ["?", "%3F"],
  ["[", "%5B"],
  ["\\", "%5C"],
  ["]", "%5D"],
  ["^", "%5E"],
  ["`", "%60"],
  ["{", "%7B"],
  ["|", "%7C"],
  ["}", "%7D"],
  ["自由", "%E8%87%AA%E7%94%B1"],
  ["\u{10400}", "%F0%90%90%80"],
];

describe("B2 string encoding", () => {
  it.each(unescaped)("leaves %s unescaped", (ch) => expect(b2Encode(ch)).toBe(ch));
  it.each(escaped)("encodes %s as %s", (ch, want) => expect(b2Encode(ch)).toBe(want));
  it.each(escaped)("decodes %s back from %s", (ch, enc) => expect(b2Decode(enc)).toBe(ch));
  it("decodes + as a space (B2 accepts both forms)", () => expect(b2Decode("a+b%20c")).toBe("a b c"));
  it("round-trips names with spaces, plus, percent, unicode and emoji", () => {
    for (const name of ["a b+c%d/自由/😀.txt", "100% done", "x+y=z"]) expect(b2Decode(b2Encode(name))).toBe(name);
  });
  it("keeps / between encoded segments of a download path", () => {
    expect(encodeDownloadPath("my-bucket", "dir one/a+b.txt")).toBe("/file/my-bucket/dir%20one/a%2Bb.txt");
  });
});
