import solid from "vite-plugin-solid";
import { defineConfig } from "vite";

// Served by local mode at /listen/ (and by a static site in AWS); the session id follows in the path.
export default defineConfig({
  base: "/listen/",
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
