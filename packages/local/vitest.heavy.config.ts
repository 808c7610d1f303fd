import { defineProject } from "vitest/config";
import { scaledTimeout } from "../testing/src/calibration.ts";
import { HEAVY } from "./vitest.config.ts";

/**
 * The heavy suites: local mode as its own process streaming speech in real time through the real engines,
 * the browser test, the benchmark smoke test. They run after every other test (groupOrder 1) and one file
 * at a time: side by side on 2 cores they would skew each other's audio timing.
 */
export default defineProject({
  test: {
    name: "local-heavy",
    include: HEAVY,
    sequence: { groupOrder: 1 },
    fileParallelism: false,
    // The browser test polls pages (expect.poll): a busy machine renders slowly, so its default wait follows it too.
    expect: { poll: { timeout: scaledTimeout(10_000) } },
    testTimeout: scaledTimeout(120_000),
    hookTimeout: scaledTimeout(240_000),
  },
});
