/** What every operation implementation gets: the authorized API, the raw client, options, pools. */
import type { ResolvedOptions } from "../options.js";
import type { Api } from "./api.js";
import type { ApiClient } from "./http.js";
import type { RetryPolicy } from "./retry.js";
import type { UploadUrlPool } from "./upload-pool.js";

export interface Context {
  readonly api: Api;
  readonly client: ApiClient;
  readonly options: ResolvedOptions;
  readonly policy: RetryPolicy;
  readonly uploadUrls: UploadUrlPool;
  readonly partUrls: UploadUrlPool;
}
