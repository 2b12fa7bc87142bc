/** The grammars of the b2-* file infos and download overrides that B2 serves as real headers. */
import { describe, expect, it } from "vitest";
import { servedHeaderProblem, type ServedHeader } from "../../src/header-grammar.js";

const cases: Record<ServedHeader, { good: string[]; bad: string[] }> = {
  "Content-Disposition": {
    good: [
      "inline",
      "attachment",
      'attachment; filename="f.txt"',
      "attachment;filename=f.txt",
      "attachment; filename*=UTF-8''%E8%87%AA%E7%94%B1.txt",
      "attachment; filename*=utf-8''plain.txt; filename=\"fallback.txt\"",
      'attachment; filename="with \\"quotes\\" and ; semicolon.txt"',
      "x-custom-type; a=b",
    ],
    bad: [
      "",
      'attachment; filename="自由.txt"', // non-ASCII belongs in filename*
      "attachment; filename*0=part; filename*1=two", // continuations
      "attachment; filename*=ISO-8859-1''%E9.txt", // only UTF-8
      "attachment; filename*=UTF-8'en'x.txt", // no language
      "attachment; filename*=UTF-8''%FF%FE", // not UTF-8
      "attachment; filename=a b",
      'attachment; filename="unterminated',
      "attachment\r\nX-Evil: 1",
      "; filename=x",
    ],
  },
  "Content-Language": { good: ["en", "en-US", "mi, en", "es-419"], bad: ["", "en_US", "toolongtag", "en\r\nX: 1", "en,"] },
  Expires: {
    good: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Thu, 01 Dec 2044 16:00:00 GMT"],
    bad: ["", "0", "tomorrow", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 36 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "2026-11-30T00:00:00Z"],
  },
  "Cache-Control": {
    good: ["no-cache", "max-age=60", "public, max-age=3600, must-revalidate", 'private="x-a, x-b"'],
    bad: ["", "max-age=", "no cache", "max-age=60,", "max-age=\u00e9"],
  },
  "Content-Encoding": { good: ["gzip", "gzip, br", "x-custom"], bad: ["", "gzip br", "gz\u00efp"] },
  "Content-Type": { good: ["text/plain", "text/plain; charset=utf-8", 'multipart/mixed; boundary="a b"'], bad: ["", "text", "text/plain;", "text/plain\r\nX: 1"] },
};

describe("servedHeaderProblem", () => {
  for (const [header, { good, bad }] of Object.entries(cases) as [ServedHeader, { good: string[]; bad: string[] }][]) {
    it.each(good)(`${header}: accepts %j`, (value) => expect(servedHeaderProblem(header, value)).toBeUndefined());
    it.each(bad)(`${header}: refuses %j, saying why`, (value) => expect(servedHeaderProblem(header, value)).toMatch(/\w/));
  }
});
