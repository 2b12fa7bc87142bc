/**
 * Capabilities a key restricted to buckets may not have: B2's b2_create_key lists what such a key
 * may hold, and these account-wide ones (managing keys, creating and deleting buckets) are not in
 * it. Shared by the SDK (checked before sending) and the local server (400).
 */
export const ACCOUNT_ONLY_CAPABILITIES: ReadonlySet<string> = new Set(["listKeys", "writeKeys", "deleteKeys", "writeBuckets", "deleteBuckets"]);

/** The capabilities of `capabilities` a bucket-restricted key may not have. */
export function accountOnly(capabilities: readonly unknown[]): string[] {
  return capabilities.filter((c): c is string => typeof c === "string" && ACCOUNT_ONLY_CAPABILITIES.has(c));
}
