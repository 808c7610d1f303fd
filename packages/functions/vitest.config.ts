import { defineProject } from "vitest/config";
import { scaledTimeout } from "../core/src/testing/calibration.ts";
export default defineProject({ test: { name: "functions", testTimeout: scaledTimeout(30_000) } });
