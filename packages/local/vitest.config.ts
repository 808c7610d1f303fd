import { defineProject } from "vitest/config";
export default defineProject({ test: { name: "local", testTimeout: 30_000 } });
