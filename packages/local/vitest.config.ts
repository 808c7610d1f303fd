import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "local",
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // End-to-end tests stream audio in real time: running them side by side on 2 cores would skew them.
    fileParallelism: false,
  },
});
