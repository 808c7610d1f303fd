import { defineProject } from "vitest/config";
import { scaledTimeout } from "../testing/src/calibration.ts";

/** Local mode's own units (gateway, event source, stand-ins, expiry); the heavy suites are vitest.heavy.config.ts. */
export const HEAVY = ["src/e2e/**/*.test.ts", "src/bench/**/*.test.ts"];

export default defineProject({
  test: {
    name: "local",
    exclude: ["**/node_modules/**", ...HEAVY],
    testTimeout: scaledTimeout(60_000),
    hookTimeout: scaledTimeout(120_000),
  },
});
