import { defineProject } from "vitest/config";
import { scaledTimeout } from "../packages/testing/src/calibration.ts";
export default defineProject({
  test: { name: "infra", testTimeout: scaledTimeout(120_000), hookTimeout: scaledTimeout(180_000) },
});
