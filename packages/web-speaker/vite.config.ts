import solid from "vite-plugin-solid";
import { defineConfig } from "vite";

// Served by local mode at /speaker/ (and by a static site in AWS); one page.
export default defineConfig({
  base: "/speaker/",
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
