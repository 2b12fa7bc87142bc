/**
 * Results leave the worker by transfer, not copy: every ArrayBuffer behind a typed array in a
 * result is put on the transfer list. The worker hands results over and keeps no use of them,
 * so detaching its side is safe. A view that covers only part of its buffer (a slice of a
 * pooled or larger chunk) is first copied into a buffer of its own, because transferring the
 * whole backing store would move bytes the view does not own (and structured clone would copy
 * the whole store anyway).
 */

export interface Prepared {
  value: unknown;
  transfer: ArrayBuffer[];
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function prepareTransfer(value: unknown): Prepared {
  const transfer = new Set<ArrayBuffer>();
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (ArrayBuffer.isView(v)) {
      const buf = v.buffer;
      if (!(buf instanceof ArrayBuffer) || buf.byteLength === 0) return v; // shared or detached/empty
      if (v.byteOffset === 0 && v.byteLength === buf.byteLength) {
        transfer.add(buf);
        return v;
      }
      if (!(v instanceof Uint8Array)) return v; // rare; structured clone copies it
      const own = new Uint8Array(v); // compact copy of just the view's bytes
      transfer.add(own.buffer);
      return own;
    }
    if (v instanceof ArrayBuffer) {
      if (v.byteLength > 0) transfer.add(v);
      return v;
    }
    const arr = Array.isArray(v);
    if (!arr && !isPlain(v)) return v;
    if (seen.has(v)) return v;
    seen.add(v);
    let copy: Record<string | number, unknown> | undefined;
    const src = v as Record<string | number, unknown>;
    const keys = arr ? (v as unknown[]).map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      const before = src[k];
      const after = walk(before);
      if (after !== before) {
        copy ??= (arr ? [...(v as unknown[])] : { ...src }) as Record<string | number, unknown>;
        copy[k] = after;
      }
    }
    return copy ?? v;
  };
  const out = walk(value);
  return { value: out, transfer: [...transfer] };
}
