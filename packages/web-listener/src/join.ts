/** Where a listener lands: <base><sessionId>?lang=es, or <base> to type a code (base: /listen/ locally, / in AWS). */

export interface JoinTarget {
  sessionId?: string;
  language?: string;
}

export function parseJoinLink(location: { pathname: string; search: string }, base = "/listen/"): JoinTarget {
  const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : "";
  const match = rest.match(/^([a-z0-9-]+)\/?$/i);
  const language = new URLSearchParams(location.search).get("lang")?.toLowerCase() || undefined;
  return { sessionId: match?.[1]?.toLowerCase(), language };
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
