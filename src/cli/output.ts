/** What commands print: plain lines for people, one JSON document with `--json`, progress on a TTY. */
import type { ProgressEvent } from "../models.js";

export interface Output {
  json: boolean;
  /** A result: printed as JSON with --json, else through `text`. */
  result(value: unknown, text: () => string[]): void;
  /** A remark for people (stderr); silent with --json. */
  info(line: string): void;
  /** A progress callback drawing a bar on stderr, or undefined when stderr is not a terminal or with --json. */
  progress(label: string): ((event: ProgressEvent) => void) | undefined;
}

/** Redraws at most this often, except the final 100% frame. */
const REDRAW_MS = 100;

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Output {
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
      let last = 0;
      let done = false;
      return ({ bytes, total }) => {
        const finished = total !== undefined && bytes >= total;
        const now = Date.now();
        if (done || (!finished && now - last < REDRAW_MS)) return;
        last = now;
        done = finished;
        const width = 30;
        const ratio = total ? Math.min(1, bytes / total) : 0;
        const bar = "█".repeat(Math.round(ratio * width)).padEnd(width, "░");
        stderr.write(`\r${label} ${bar} ${(bytes / 1e6).toFixed(1)}/${total === undefined ? "?" : (total / 1e6).toFixed(1)} MB`);
        if (finished) stderr.write("\n");
      };
    },
  };
}
