/**
 * What the speaker's browser keeps, and where. The session, the sign-in and the operator secret stay in this tab only
 * (`sessionStorage`: a reload keeps them, another tab or a shared screen does not see them); the chunk numbering is
 * shared by the browser's tabs (`localStorage`), so an index is never reused for the same session.
 */
import type { CreateSessionResponse } from "@livetranslate/core/protocol";

const SESSION_KEY = "livetranslate.speaker.session";
const TOKEN_KEY = "livetranslate.speaker.token";
/** Local mode off loopback: the secret creating a session needs, kept once it worked. */
const OPERATOR_KEY = "livetranslate.speaker.operator";
const chunkKey = (sessionId: string) => `livetranslate.speaker.nextChunk.${sessionId}`;
/** A sign-in this close to expiring is not worth starting a session with. */
const TOKEN_MARGIN_MS = 60_000;

export type SavedSession = CreateSessionResponse & { keepTranscript?: boolean };

export const speakerStorage = {
  session: {
    load: (): SavedSession | undefined => JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") ?? undefined,
    save: (session: SavedSession) => sessionStorage.setItem(SESSION_KEY, JSON.stringify(session)),
    clear: () => sessionStorage.removeItem(SESSION_KEY),
  },
  signIn: {
    /** The Cognito id token, unless it expires within the margin. */
    load(): string | undefined {
      const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? "null") as { idToken: string; expiresAt: number } | null;
      return saved && saved.expiresAt > Date.now() + TOKEN_MARGIN_MS ? saved.idToken : undefined;
    },
    save: (idToken: string, expiresAt: number) => sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ idToken, expiresAt })),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
  },
  operatorSecret: {
    /**
     * The secret in the speaker link local mode printed (`/speaker#operator=...`), taken out of the address bar at
     * once so it is not shown on a projected screen or bookmarked; else the one kept in this tab.
     */
    load(): string | undefined {
      const fromLink = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("operator")?.trim();
      if (!fromLink) return sessionStorage.getItem(OPERATOR_KEY) ?? undefined;
      history.replaceState(null, "", `${window.location.pathname}${window.location.search}`);
      sessionStorage.setItem(OPERATOR_KEY, fromLink);
      return fromLink;
    },
    save: (secret: string) => sessionStorage.setItem(OPERATOR_KEY, secret),
    clear: () => sessionStorage.removeItem(OPERATOR_KEY),
  },
  chunkNumbering: {
    next: (sessionId: string) => Number(localStorage.getItem(chunkKey(sessionId)) ?? 0) || 0,
    save: (sessionId: string, next: number) => localStorage.setItem(chunkKey(sessionId), String(next)),
    clear: (sessionId: string) => localStorage.removeItem(chunkKey(sessionId)),
  },
};
