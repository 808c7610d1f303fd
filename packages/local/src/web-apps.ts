/** Serves the built speaker and listener apps on the same origin as the API: /speaker and /listen/<sessionId>. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const WEB_APPS = [
  { prefix: "/speaker", dist: path.join(packagesDir, "web-speaker/dist") },
  { prefix: "/listen", dist: path.join(packagesDir, "web-listener/dist") },
];

export function mountWebApps(app: Hono): void {
  app.get("/", (c) => c.redirect("/speaker/"));
  for (const { prefix, dist } of WEB_APPS) {
    app.get(prefix, (c) => c.redirect(`${prefix}/`));
    app.get(`${prefix}/*`, async (c, next) => {
      if (!existsSync(path.join(dist, "index.html"))) {
        return c.text(`The app at ${prefix} is not built yet: run "pnpm build" (pnpm start does it for you).`, 503);
      }
      return next();
    });
    // Files first (hashed assets may be cached for good), then the app itself for any deeper path.
    app.get(
      `${prefix}/assets/*`,
      serveStatic({ root: dist, rewriteRequestPath: (p) => p.slice(prefix.length), onFound: (_p, c) => c.header("Cache-Control", "public, max-age=31536000, immutable") }),
    );
    app.get(`${prefix}/*`, serveStatic({ root: dist, rewriteRequestPath: (p) => p.slice(prefix.length) }));
    app.get(`${prefix}/*`, serveStatic({ path: path.join(dist, "index.html") }));
  }
}
