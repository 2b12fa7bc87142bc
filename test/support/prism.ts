/** Test-side access to the Prism helper of b2kit/testing, with the repository's own spec. */
import { fileURLToPath } from "node:url";
export { freePort, startPrism, type PrismProcess } from "../../src/testing/prism.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
