/**
 * The grammars B2 holds the values to that it serves as real response headers: the `b2-*` file
 * infos (`b2-content-disposition` → Content-Disposition, …) and the download overrides
 * (`b2ContentDisposition`, …). B2 documents each as "must match the grammar specified in"
 * RFC 6266 (Content-Disposition: no parameter continuations; extended values only in UTF-8 with
 * no language) or RFC 2616 (the others). Shared by the SDK (checked before sending) and the
 * local server (400 instead of storing a value no download could carry).
 */

/** The response header a `b2-*` file info or download override becomes. */
export type ServedHeader = "Content-Disposition" | "Content-Language" | "Expires" | "Cache-Control" | "Content-Encoding" | "Content-Type";

export const INFO_HEADERS: Readonly<Record<string, ServedHeader>> = {
  "b2-content-disposition": "Content-Disposition",
  "b2-content-language": "Content-Language",
  "b2-expires": "Expires",
  "b2-cache-control": "Cache-Control",
  "b2-content-encoding": "Content-Encoding",
};

export const OVERRIDE_HEADERS: Readonly<Record<string, ServedHeader>> = {
  b2ContentDisposition: "Content-Disposition",
  b2ContentLanguage: "Content-Language",
  b2Expires: "Expires",
  b2CacheControl: "Cache-Control",
  b2ContentEncoding: "Content-Encoding",
  b2ContentType: "Content-Type",
};

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** Visible ASCII, space and tab; a backslash quotes the next character. Non-ASCII goes in an extended value. */
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x20-\\x7e])*"';
const OWS = "[ \\t]*";
const VALUE = `(?:${TOKEN}|${QUOTED})`;
const list = (item: string): RegExp => new RegExp(`^${item}(?:${OWS},${OWS}${item})*$`);

const LANGUAGES = list("[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*");
const DIRECTIVES = list(`${TOKEN}(?:${OWS}=${OWS}${VALUE})?`);
const CODINGS = list(TOKEN);
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:${OWS};${OWS}${TOKEN}=${VALUE})*$`);

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const WEEKDAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)";
/** RFC 2616 HTTP-date: RFC 1123, RFC 850 or asctime form; the day of the month captured first. */
const HTTP_DATES = [
  new RegExp(`^${DAY}, ([0-9]{2}) ${MONTH} [0-9]{4} ${TIME} GMT$`),
  new RegExp(`^${WEEKDAY}, ([0-9]{2})-${MONTH}-[0-9]{2} ${TIME} GMT$`),
  new RegExp(`^${DAY} ${MONTH} ( [1-9]|[0-9]{2}) ${TIME} [0-9]{4}$`),
];

const PARAM = new RegExp(`${OWS};${OWS}(${TOKEN})${OWS}=${OWS}(${VALUE})`, "y");
const EXT_VALUE = /^UTF-8''((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+\-.^_`|~])*)$/i;

function contentDisposition(value: string): string | undefined {
  const type = new RegExp(`^${OWS}${TOKEN}`, "y").exec(value);
  if (!type) return "a disposition type (inline, attachment or a token) comes first";
  let at = type[0].length;
  while (at < value.length) {
    if (new RegExp(`^${OWS}$`).test(value.slice(at))) break;
    PARAM.lastIndex = at;
    const param = PARAM.exec(value);
    if (!param) return `parameters are ; name=token or ; name="quoted string" (at ${JSON.stringify(value.slice(at, at + 20))})`;
    const [, name = "", parameterValue = ""] = param;
    if (/\*[0-9]+\*?$/.test(name)) return `parameter continuations (${name}) are not supported`;
    if (name.endsWith("*")) {
      const ext = EXT_VALUE.exec(parameterValue);
      if (!ext) return `${name} takes an extended value UTF-8''<percent-encoded>, with no language`;
      try {
        decodeURIComponent(ext[1] ?? "");
      } catch {
        return `${name}: the percent-encoded bytes are not UTF-8`;
      }
    }
    at = PARAM.lastIndex;
  }
  return undefined;
}

function httpDate(value: string): boolean {
  for (const form of HTTP_DATES) {
    const m = form.exec(value);
    if (m) {
      const day = Number(m[1]);
      return day >= 1 && day <= 31;
    }
  }
  return false;
}

/** Why `value` cannot be served as `header` (B2's grammar for it), or undefined when it can. */
export function servedHeaderProblem(header: ServedHeader, value: string): string | undefined {
  switch (header) {
    case "Content-Disposition":
      return contentDisposition(value);
    case "Content-Language":
      return LANGUAGES.test(value) ? undefined : "a comma-separated list of language tags (en, en-US, ...)";
    case "Expires":
      return httpDate(value) ? undefined : "an HTTP date, such as Sun, 06 Nov 1994 08:49:37 GMT";
    case "Cache-Control":
      return DIRECTIVES.test(value) ? undefined : "a comma-separated list of directives (no-cache, max-age=60, ...)";
    case "Content-Encoding":
      return CODINGS.test(value) ? undefined : "a comma-separated list of content codings (gzip, br, ...)";
    case "Content-Type":
      return MEDIA_TYPE.test(value) ? undefined : "a media type, such as text/plain; charset=utf-8";
  }
}
