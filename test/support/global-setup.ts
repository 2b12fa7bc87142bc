/** vitest global setup: one Prism mock (child process) behind the recording proxy for all suites. */
import type { TestProject } from "vitest/node";
import { repoRoot, startPrism } from "./prism.js";
import { startRecordingProxy } from "./prism-proxy.js";

declare module "vitest" {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prism = await startPrism({ spec: `${repoRoot}spec/b2.yaml` });
  const proxy = await startRecordingProxy(prism.port);
  project.provide("prismUrl", proxy.url);
  return async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
    await prism.stop();
  };
}
