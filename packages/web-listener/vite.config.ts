import solid from "vite-plugin-solid";
import { defineConfig } from "vite";

// Served by local mode at /listen/, and at the root of its own static site in AWS (VITE_BASE=/); the session id follows.
export default defineConfig({
  base: process.env.VITE_BASE ?? "/listen/",
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
