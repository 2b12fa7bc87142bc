/**
 * Executes table rows generically: a `call` row is one B2 JSON call whose body is built from the
 * row's `request` mapping; a `paginated` row follows its `page` cursor; a `handle` row builds a
 * handle state from its `handleState` mapping. The mappings are data from codegen/operations.mjs.
 */
import { READY_ITEMS } from "./ready-items.js";
import type { Context } from "./context.js";
import type { HandleKind, HandleState } from "./handles.js";
import { validateRequest } from "./validate-requests.js";

export type Source = string | { readonly from: string; readonly default: string | number | boolean };

/** The runtime shape of a row of `operationTable` (generated/operations.ts). */
export interface RuntimeRow {
  readonly class: string;
  readonly name: string;
  readonly kind: string;
  readonly b2: readonly string[];
  readonly params?: readonly string[];
  readonly request?: Readonly<Record<string, Source>>;
  readonly page?: { readonly items: string; readonly cursor?: Readonly<Record<string, string>> };
  readonly handleState?: Readonly<Record<string, string>>;
  readonly handle?: string;
}

interface Scope {
  state: object;
  args: readonly unknown[];
  accountId?: string;
  model?: object;
}

function dig(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function resolve(row: RuntimeRow, source: Source, scope: Scope): unknown {
  const path = typeof source === "string" ? source : source.from;
  const [head = "", ...rest] = path.split(".");
  let value: unknown;
  if (head === "auth") value = rest[0] === "accountId" ? scope.accountId : undefined;
  else if (head === "state") value = dig(scope.state, rest);
  else if (head === "model" || head === "item") value = dig(scope.model, rest);
  else {
    const index = row.params?.indexOf(head) ?? -1;
    if (index < 0) throw new Error(`operation table: ${row.class}.${row.name} maps unknown source ${path}`);
    value = dig(scope.args[index], rest);
  }
  return value === undefined && typeof source !== "string" ? source.default : value;
}

const needsAccount = (row: RuntimeRow): boolean =>
  Object.values(row.request ?? {}).some((s) => (typeof s === "string" ? s : s.from).startsWith("auth."));

/** The request body of a row: spread arguments first, then the explicit fields; undefined dropped. */
export function buildRequest(row: RuntimeRow, scope: Scope): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const spread = row.request?.["..."];
  if (spread !== undefined) {
    const value = resolve(row, spread, scope);
    if (value && typeof value === "object") Object.assign(body, value);
  }
  for (const [field, source] of Object.entries(row.request ?? {})) {
    if (field === "...") continue;
    const value = resolve(row, source, scope);
    if (value !== undefined) body[field] = value;
  }
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

/** The kind of handle a row returns: named by the row, else told by its state fields. */
function handleKind(row: RuntimeRow): HandleKind {
  if (row.handle) return row.handle as HandleKind;
  const keys = Object.keys(row.handleState ?? {});
  if (keys.includes("keyId")) return "Key";
  if (keys.includes("partNumber")) return "Parts";
  if (keys.includes("fileId")) return "File";
  return "Bucket";
}

export function buildHandle(row: RuntimeRow, scope: Scope): HandleState {
  const state: Record<string, unknown> = { kind: handleKind(row) };
  for (const [field, source] of Object.entries(row.handleState ?? {})) {
    const value = resolve(row, source, scope);
    if (value !== undefined && value !== null) state[field] = value;
  }
  return state as unknown as HandleState;
}

async function accountIdFor(ctx: Context, row: RuntimeRow): Promise<string | undefined> {
  return needsAccount(row) ? (await ctx.api.session.get()).accountId : undefined;
}

/** The row's body, checked against B2's rules before anything (even an authorization) is sent. */
async function checkedRequest(ctx: Context, row: RuntimeRow, scope: Scope): Promise<Record<string, unknown>> {
  validateRequest(row.b2[0] as string, buildRequest(row, scope));
  const accountId = await accountIdFor(ctx, row);
  if (accountId !== undefined) scope.accountId = accountId;
  return buildRequest(row, scope);
}

/** A `call` row: one JSON call; with `handleState`, the result is `{ model, handle }`. */
export async function executeCall(ctx: Context, row: RuntimeRow, state: object, args: readonly unknown[]): Promise<unknown> {
  const operation = row.b2[0] as string;
  const scope: Scope = { state, args };
  const body = await checkedRequest(ctx, row, scope);
  const model = await ctx.api.call<object>(operation, body);
  if (!row.handleState) return model;
  return { model, handle: buildHandle(row, { ...scope, model }) };
}

/** A `paginated` row: yields `{ model, handle?, next }` for every item of every page. */
export function paginate(ctx: Context, row: RuntimeRow, state: object, args: readonly unknown[]): AsyncIterableIterator<unknown> {
  return new PagedItems(pages(ctx, row, state, args));
}

async function* pages(ctx: Context, row: RuntimeRow, state: object, args: readonly unknown[]): AsyncGenerator<unknown[], void, undefined> {
  const operation = row.b2[0] as string;
  const page = row.page;
  if (!page) throw new Error(`operation table: ${row.class}.${row.name} has no page mapping`);
  const scope: Scope = { state, args };
  const body = await checkedRequest(ctx, row, scope);
  const cursor = Object.entries(page.cursor ?? {});
  for (;;) {
    const response = await ctx.api.call<Record<string, unknown>>(operation, body);
    const items = (response[page.items] ?? []) as object[];
    const next = cursor.map(([, field]) => (response[field] ?? null) as unknown);
    yield items.map((model) => (row.handleState ? { model, handle: buildHandle(row, { ...scope, model }), next } : { model, next }));
    if (cursor.length === 0 || next.every((v) => v === null) || items.length === 0) return;
    for (const [requestField, responseField] of cursor) body[requestField] = response[responseField] ?? undefined;
  }
}

/**
 * Items of a paged listing, one at a time; `[READY_ITEMS]()` tells how many more are already
 * fetched, so the Blocking bridge can hand them over in one round trip instead of one each.
 */
class PagedItems implements AsyncIterableIterator<unknown> {
  #page: unknown[] = [];
  #at = 0;
  readonly #pages: AsyncGenerator<unknown[], void, undefined>;

  constructor(source: AsyncGenerator<unknown[], void, undefined>) {
    this.#pages = source;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  [READY_ITEMS](): number {
    return this.#page.length - this.#at;
  }

  async next(): Promise<IteratorResult<unknown>> {
    while (this.#at >= this.#page.length) {
      const r = await this.#pages.next();
      if (r.done === true) return { done: true, value: undefined };
      this.#page = r.value;
      this.#at = 0;
    }
    return { done: false, value: this.#page[this.#at++] };
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.#page = [];
    this.#at = 0;
    await this.#pages.return(undefined);
    return { done: true, value: undefined };
  }
}
