import { defineProject } from "vitest/config";
import { scaledTimeout } from "./src/calibration.ts";
export default defineProject({ test: { name: "testing", testTimeout: scaledTimeout(30_000) } });
