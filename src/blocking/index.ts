export { BlockingCore, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS, type BlockingCoreOptions } from "./bridge.js";
export { BlockingClosed, BlockingWorkerFailed } from "../errors.js";
export { transferChunks } from "./caller-source.js";
