import { defineConfig } from "vitest/config";
import { measureCpuLoopMs, slowdown, TIME_SCALE_ENV } from "./packages/testing/src/calibration.ts";

// Timeouts follow this machine's speed, measured now (a busy or slower machine gets proportionally longer);
// every worker reads the factor through the environment (`scaledTimeout`).
if (!process.env[TIME_SCALE_ENV]) {
  const cpuLoopMs = measureCpuLoopMs();
  process.env[TIME_SCALE_ENV] = slowdown(cpuLoopMs).toFixed(2);
  console.log(`test timeouts: calibration loop ${cpuLoopMs} ms, timeouts x${process.env[TIME_SCALE_ENV]}`);
}

export default defineConfig({
  test: {
    // Group 0: unit, adapter, handler, component and engine tests, side by side.
    // Group 1 (packages/local/vitest.heavy.config.ts): the benchmark smoke test and the end-to-end tests,
    // one file at a time and only after group 0 is done, so they never compete with it for the two cores.
    projects: ["packages/*", "infra", "docs", "packages/local/vitest.heavy.config.ts"],
    reporters: ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]],
  },
});
