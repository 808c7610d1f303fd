import { defineProject } from "vitest/config";
export default defineProject({ test: { name: "functions", testTimeout: 30_000 } });
