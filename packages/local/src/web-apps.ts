/** Serves the built speaker and listener apps on the same origin as the API: /speaker and /listen/<sessionId>. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Context, Hono, Next } from "hono";

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const WEB_APPS = [
  { prefix: "/speaker", dist: path.join(packagesDir, "web-speaker/dist") },
  { prefix: "/listen", dist: path.join(packagesDir, "web-listener/dist") },
];

export function mountWebApps(app: Hono): void {
  app.get("/", (c) => c.redirect("/speaker/"));
  for (const { prefix, dist } of WEB_APPS) {
    const requireBuilt = async (c: Context, next: Next) => {
      if (!existsSync(path.join(dist, "index.html"))) {
        return c.text(`The app at ${prefix} is not built yet: run "pnpm build" (pnpm start does it for you).`, 503);
      }
      return next();
    };
    app.get(prefix, requireBuilt);
    app.get(`${prefix}/*`, requireBuilt);
    // Files first (hashed assets may be cached for good), then the app itself for any deeper path.
    app.get(
      `${prefix}/assets/*`,
      serveStatic({ root: dist, rewriteRequestPath: (p) => p.slice(prefix.length), onFound: (_p, c) => c.header("Cache-Control", "public, max-age=31536000, immutable") }),
    );
    app.get(`${prefix}/*`, serveStatic({ root: dist, rewriteRequestPath: (p) => p.slice(prefix.length) }));
    // Asset URLs are absolute (vite's base), so the app also loads at the bare prefix, as a newcomer types it.
    app.get(prefix, serveStatic({ path: path.join(dist, "index.html") }));
    app.get(`${prefix}/*`, serveStatic({ path: path.join(dist, "index.html") }));
  }
}
