/**
 * Idle upload URLs (bucket upload URLs and large-file part URLs), one per concurrent upload:
 * a URL is taken for one upload at a time, given back after a success, and simply not given
 * back after an error, so the next attempt fetches a fresh one (B2's rule).
 */
import type { UploadUrlModel } from "../models.js";

export class UploadUrlPool {
  readonly #idle = new Map<string, UploadUrlModel[]>();

  take(key: string): UploadUrlModel | undefined {
    const list = this.#idle.get(key);
    const url = list?.pop();
    if (list && list.length === 0) this.#idle.delete(key);
    return url;
  }

  give(key: string, url: UploadUrlModel): void {
    const list = this.#idle.get(key) ?? [];
    list.push(url);
    this.#idle.set(key, list);
  }

  peek(key: string): UploadUrlModel | undefined {
    return this.#idle.get(key)?.at(-1);
  }

  /** Forgets every URL of a large file once it is finished or cancelled. */
  forget(key: string): void {
    this.#idle.delete(key);
  }

  clear(): void {
    this.#idle.clear();
  }

  /** Upload tokens are secrets: never print them. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `UploadUrlPool { keys: ${this.#idle.size} }`;
  }

  toJSON(): object {
    return { keys: this.#idle.size };
  }
}
