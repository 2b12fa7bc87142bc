/**
 * B2's event notification types (the spec's eventTypes list), one list for the SDK's checks and
 * the local server's. `b2:MultipartUploadCreated:*` is accepted in rules; the local server does not
 * emit it (it has no live-read uploads).
 */
export const EVENT_TYPES: ReadonlySet<string> = new Set([
  "b2:ObjectCreated:*",
  "b2:ObjectCreated:Upload",
  "b2:ObjectCreated:MultipartUpload",
  "b2:ObjectCreated:Copy",
  "b2:ObjectCreated:Replica",
  "b2:ObjectCreated:MultipartReplica",
  "b2:ObjectDeleted:*",
  "b2:ObjectDeleted:Delete",
  "b2:ObjectDeleted:LifecycleRule",
  "b2:HideMarkerCreated:*",
  "b2:HideMarkerCreated:Hide",
  "b2:HideMarkerCreated:LifecycleRule",
  "b2:MultipartUploadCreated:*",
  "b2:MultipartUploadCreated:LiveRead",
]);
