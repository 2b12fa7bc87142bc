/** What commands print: plain lines for people, one JSON document with `--json`, progress on a TTY. */
import type { ProgressEvent } from "../models.js";

export interface Output {
  json: boolean;
  /** A result: printed as JSON with --json, else through `text`. */
  result(value: unknown, text: () => string[]): void;
  info(line: string): void;
  progress(label: string): ((event: ProgressEvent) => void) | undefined;
}

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const tty = Boolean(stderr.isTTY) && !json;
  return {
    json,
    result(value, text) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else for (const line of text()) stdout.write(`${line}\n`);
    },
    info(line) {
      if (!json) stderr.write(`${line}\n`);
    },
    progress(label) {
      if (!tty) return undefined;
      return ({ bytes, total }) => {
        const width = 30;
        const ratio = total ? Math.min(1, bytes / total) : 0;
        const bar = "█".repeat(Math.round(ratio * width)).padEnd(width, "░");
        stderr.write(`\r${label} ${bar} ${(bytes / 1e6).toFixed(1)}/${total === undefined ? "?" : (total / 1e6).toFixed(1)} MB`);
        if (total !== undefined && bytes >= total) stderr.write("\n");
      };
    },
  };
}
