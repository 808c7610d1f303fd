import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "infra"],
    // Engine and end-to-end tests are CPU-bound and stream audio in real time: one file at a time on 2 cores.
    fileParallelism: false,
    reporters: ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]],
  },
});
