/**
 * Models B2 returns are data: `authorize()`'s token, a new key's `applicationKey`, an upload
 * URL's or a download authorization's token stay readable fields (and in JSON), because the
 * caller asked for them. Printed with `util.inspect` / `console.log`, they show as `[redacted]`,
 * so a logged model does not leak them. The hook is a non-enumerable symbol: JSON, spreads and
 * structured clone do not see it.
 */
import { inspect } from "node:util";

const SECRET_FIELDS = ["authorizationToken", "applicationKey"];

function redacted(this: Record<string, unknown>, _depth: number, options: object): string {
  const shown: Record<string, unknown> = { ...this };
  for (const field of SECRET_FIELDS) if (typeof shown[field] === "string") shown[field] = "[redacted]";
  return inspect(shown, options);
}

function conceal(value: unknown, depth: number): void {
  if (depth > 2 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) conceal(item, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return; // SDK objects have their own inspect
  const model = value as Record<string | symbol, unknown>;
  if (!SECRET_FIELDS.some((field) => typeof model[field] === "string")) {
    for (const inner of Object.values(model)) conceal(inner, depth + 1); // e.g. { model, handle }
    return;
  }
  if (!Object.hasOwn(model, inspect.custom)) Object.defineProperty(model, inspect.custom, { value: redacted, enumerable: false });
}

/** Marks the models in a call's result (a model, or a tuple holding one) so inspect redacts their secrets. */
export function concealSecrets<T>(result: T): T {
  conceal(result, 0);
  return result;
}

/**
 * For SDK-made objects holding a secret (the local server's handle and its master key): `field`
 * stays readable, but is left out of JSON, spreads and inspect (shown there as `[redacted]`).
 */
export function hideSecretField<T extends object>(target: T, field: keyof T & string): T {
  Object.defineProperty(target, field, { enumerable: false });
  Object.defineProperty(target, inspect.custom, {
    value(this: T, _depth: number, options: object): string {
      return inspect({ ...this, [field]: "[redacted]" }, options);
    },
    enumerable: false,
  });
  return target;
}
