import { defineProject } from "vitest/config";
import { scaledTimeout } from "./src/testing/calibration.ts";
export default defineProject({ test: { name: "core", testTimeout: scaledTimeout(30_000) } });
