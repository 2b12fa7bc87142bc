/**
 * Per-operation input checks for table-driven JSON calls, run on the request body before
 * anything is sent (table-exec calls `validateRequest`). Custom operations check their inputs
 * where they enter (upload.ts, download.ts, ops/*).
 */
import { ValidationError } from "../errors.js";
import { servedHeaderProblem } from "../header-grammar.js";
import { accountOnly } from "../key-rules.js";
import { checkCorsRules, checkLifecycleRules, checkNotificationRules } from "./validate-rules.js";
import { checkBucketName, checkCapabilities, checkDownloadOverrides, checkDuration, checkFileInfo, checkFileName, checkInfoBudget, checkKeyName, checkPageSize } from "./validate.js";

type Body = Record<string, unknown>;
type Check = (body: Body, operation: string) => void;

/** Up to 1000 days, as B2 documents for application keys. */
const MAX_KEY_SECONDS = 86_400_000;
/** One week, B2's bound for download authorizations. */
const MAX_DOWNLOAD_AUTH_SECONDS = 604_800;

function bucketRules(body: Body, operation: string): void {
  if (body["lifecycleRules"] !== undefined) checkLifecycleRules(body["lifecycleRules"], operation);
  if (body["corsRules"] !== undefined) checkCorsRules(body["corsRules"], operation);
  const info = body["bucketInfo"] as Record<string, unknown> | undefined;
  const cache = info?.["Cache-Control"];
  const problem = typeof cache === "string" ? servedHeaderProblem("Cache-Control", cache) : undefined;
  if (problem) throw new ValidationError(`invalid bucketInfo Cache-Control ${JSON.stringify(cache)}: ${problem}`, operation);
  const type = body["bucketType"];
  if (type !== undefined && type !== "allPublic" && type !== "allPrivate") {
    throw new ValidationError(`invalid bucketType ${JSON.stringify(type)}: allPublic or allPrivate`, operation);
  }
}

function largeFileStart(body: Body, operation: string): void {
  checkFileName(body["fileName"], operation);
  const info = body["fileInfo"] as Record<string, string> | undefined;
  checkFileInfo(info, operation);
  const strict = body["serverSideEncryption"] !== undefined || body["fileRetention"] !== undefined || body["legalHold"] !== undefined;
  checkInfoBudget(body["fileName"] as string, info ?? {}, strict, operation);
}

const checks: Record<string, Check> = {
  b2_create_bucket(body, op) {
    checkBucketName(body["bucketName"], op);
    bucketRules(body, op);
  },
  b2_update_bucket: bucketRules,
  b2_create_key(body, op) {
    checkKeyName(body["keyName"], op);
    checkCapabilities(body["capabilities"], op);
    const restricted = (Array.isArray(body["bucketIds"]) && body["bucketIds"].length > 0) || typeof body["bucketId"] === "string";
    const denied = restricted ? accountOnly(body["capabilities"] as unknown[]) : [];
    if (denied.length) throw new ValidationError(`invalid capabilities for a key restricted to buckets: ${denied.join(", ")} (account-wide only)`, op);
    if (body["validDurationInSeconds"] !== undefined) checkDuration(body["validDurationInSeconds"], 1, MAX_KEY_SECONDS, "key validDurationInSeconds", op);
  },
  b2_get_download_authorization(body, op) {
    if (typeof body["fileNamePrefix"] !== "string") throw new ValidationError("invalid fileNamePrefix: a string is required (\"\" for every file)", op);
    checkDuration(body["validDurationInSeconds"], 1, MAX_DOWNLOAD_AUTH_SECONDS, "download authorization validDurationInSeconds", op);
    checkDownloadOverrides(body, op);
  },
  b2_set_bucket_notification_rules(body, op) {
    checkNotificationRules(body["eventNotificationRules"], op);
  },
  b2_start_large_file: largeFileStart,
  b2_hide_file(body, op) {
    checkFileName(body["fileName"], op);
  },
  b2_list_file_names(body, op) {
    checkPageSize(body["maxFileCount"], 10_000, "maxFileCount", op);
  },
  b2_list_file_versions(body, op) {
    checkPageSize(body["maxFileCount"], 10_000, "maxFileCount", op);
  },
  b2_list_unfinished_large_files(body, op) {
    checkPageSize(body["maxFileCount"], 100, "maxFileCount", op);
  },
  b2_list_parts(body, op) {
    checkPageSize(body["maxPartCount"], 1000, "maxPartCount", op);
  },
  b2_list_keys(body, op) {
    checkPageSize(body["maxKeyCount"], 10_000, "maxKeyCount", op);
  },
};

/** Throws a `ValidationError` when the body breaks one of B2's documented rules for `operation`. */
export function validateRequest(operation: string, body: Body): void {
  checks[operation]?.(body, operation);
}
