/**
 * Where a listener lands: <base><sessionId>?lang=es, with #key=<join key> for a private session, or <base> to type
 * a code (base: /listen/ locally, / in AWS). The key rides in the fragment, which the browser never sends to the
 * server that serves the app, so it stays out of that server's logs.
 */

export interface JoinTarget {
  sessionId?: string;
  language?: string;
  key?: string;
}

export function parseJoinLink(location: { pathname: string; search: string; hash?: string }, base = "/listen/"): JoinTarget {
  const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : "";
  const match = rest.match(/^([a-z0-9-]+)\/?$/i);
  const language = new URLSearchParams(location.search).get("lang")?.toLowerCase() || undefined;
  const key = new URLSearchParams((location.hash ?? "").replace(/^#/, "")).get("key")?.trim() || undefined;
  return { sessionId: match?.[1]?.toLowerCase(), language, ...(key ? { key } : {}) };
}

/** The app's own address for a session: what a reload or a shared address joins again. */
export function joinPath(base: string, sessionId: string, language: string | undefined, key: string | undefined): string {
  return `${base}${sessionId}${language ? `?lang=${language}` : ""}${key ? `#key=${encodeURIComponent(key)}` : ""}`;
}

/** A typed code, forgiving of spaces and capitals: "Joyful Hope 911" -> "joyful-hope-911". */
export function normalizeCode(code: string): string {
  return code.trim().toLowerCase().replace(/[\s_]+/g, "-").replace(/[^a-z0-9-]/g, "");
}

/** The language asked for in the link, else the browser's, else the session's first. */
export function chooseLanguage(offered: readonly string[], requested: string | undefined, browser: readonly string[]): string | undefined {
  if (requested && offered.includes(requested)) return requested;
  for (const tag of browser) {
    const code = tag.slice(0, 2).toLowerCase();
    if (offered.includes(code)) return code;
  }
  return offered[0];
}
