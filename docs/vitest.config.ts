import { defineProject } from "vitest/config";

/** The README's and the docs' promises (docs.test.ts): reads files only. */
export default defineProject({
  test: { name: "docs" },
});
