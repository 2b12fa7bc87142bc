/**
 * An async iterator that knows how many items it already holds exposes `[READY_ITEMS]()`: the
 * Blocking bridge's worker sends those along with the one asked for, in one round trip.
 * A registered symbol: the worker and the core module agree on it without importing each other.
 */
export const READY_ITEMS: unique symbol = Symbol.for("b2kit.readyItems") as never;

export function readyItems(iterator: object): number {
  const ready = (iterator as { [READY_ITEMS]?: () => number })[READY_ITEMS];
  return typeof ready === "function" ? ready.call(iterator) : 0;
}
