/** vitest global setup: one mock of the spec (Prism behind b2kit/testing's recording front) for all suites. */
import type { TestProject } from "vitest/node";
import { startMockServer } from "../../src/testing/mock.js";
import { repoRoot } from "./prism.js";

declare module "vitest" {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockServer({ spec: `${repoRoot}spec/b2.yaml` });
  project.provide("prismUrl", mock.url);
  return () => mock.stop();
}
