import { defineProject } from "vitest/config";
import { scaledTimeout } from "../testing/src/calibration.ts";
export default defineProject({ test: { name: "core", testTimeout: scaledTimeout(30_000) } });
