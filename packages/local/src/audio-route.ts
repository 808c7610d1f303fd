/**
 * Translated audio on local mode's own origin. The embedded S3 listens on loopback only, on a port of its own, so a
 * presigned URL on it reaches no phone: local mode hands out the same presigned URL under `/audio` on its own
 * address and passes the request, signature and all, to the embedded S3, which checks it as S3 would.
 */
import type { Hono } from "hono";
import type { S3AudioStore } from "@livetranslate/core/adapters/aws/s3";
import type { ErrorBody } from "@livetranslate/core/protocol";

export const AUDIO_PREFIX = "/audio";

/** The presigned URL `presigned` (on the embedded S3) as fetched through local mode at `origin`. */
export function audioUrlOn(origin: string, presigned: string): string {
  const url = new URL(presigned);
  return `${origin}${AUDIO_PREFIX}${url.pathname}${url.search}`;
}

const PASSED_HEADERS = ["content-type", "content-length", "content-range", "accept-ranges", "cache-control", "etag", "last-modified"];

/**
 * Serves `/audio/<bucket>/sessions/...` from the embedded S3 at `s3Endpoint`, nothing else of the bucket, and only
 * through a URL `store` presigned and that has not expired (the embedded S3 checks no signature itself).
 */
export function mountAudio(app: Hono, s3Endpoint: string, bucket: string, store: S3AudioStore): void {
  const objects = `${AUDIO_PREFIX}/${bucket}/sessions/`;
  app.on(["GET", "HEAD"], `${objects}*`, async (c) => {
    // URL parsing resolves dot segments: what is passed on is still under the bucket's sessions/.
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith(objects)) {
      return c.json<ErrorBody>({ error: { code: "not_found", message: "no such audio clip" } }, 404);
    }
    const key = decodeURIComponent(url.pathname.slice(`${AUDIO_PREFIX}/${bucket}/`.length));
    if (!(await store.isPresignedUrl(key, url))) {
      return c.json<ErrorBody>({ error: { code: "forbidden", message: "this audio URL is not presigned or has expired (they live ten minutes)" } }, 403);
    }
    const range = c.req.header("range");
    const upstream = await fetch(`${s3Endpoint}${url.pathname.slice(AUDIO_PREFIX.length)}${url.search}`, {
      method: c.req.method,
      headers: range ? { range } : {},
    });
    const headers = new Headers({ "access-control-allow-origin": "*" });
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) headers.set(name, value);
    }
    return new Response(c.req.method === "HEAD" ? null : upstream.body, { status: upstream.status, headers });
  });
}
