/** Command-line arguments: positionals and `--flag` / `--flag value` options, nothing more. */
export interface Parsed {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Flags that take a value. */
const VALUED = new Set(["port", "host", "data", "duration", "type", "bucket", "prefix", "info", "content-type", "concurrency"]);
/** Switches. Anything else is refused, so a typo (`--version` for `--versions`) is not silently ignored. */
const SWITCHES = new Set(["json", "debug", "help", "versions", "recursive"]);

export function parseArgs(argv: string[]): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [name = "", inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (!VALUED.has(name) && !SWITCHES.has(name)) throw new UsageError(`unknown option --${name}`);
      if (inline !== undefined) {
        if (!VALUED.has(name)) throw new UsageError(`--${name} takes no value`);
        flags.set(name, inline);
      }
      else if (VALUED.has(name)) {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, value);
      } else flags.set(name, true);
    } else positionals.push(arg);
  }
  return { positionals, flags };
}

/** A mistake in the command line itself: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function flagString(parsed: Parsed, name: string): string | undefined {
  const value = parsed.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

export function flagNumber(parsed: Parsed, name: string): number | undefined {
  const value = flagString(parsed, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
  return n;
}

/** `b2://BUCKET/NAME` → bucket and name ("" when only the bucket is given). */
export function parseB2Path(text: string | undefined): { bucket: string; name: string } {
  const m = text ? /^b2:\/\/([^/]+)\/?(.*)$/s.exec(text) : null;
  if (!m) throw new UsageError(`expected a b2://BUCKET/NAME path, got ${JSON.stringify(text ?? "")}`);
  return { bucket: m[1] as string, name: m[2] as string };
}
