/**
 * What the listener is told about their connection, in plain words. The status line already says
 * "Reconnecting…"; this is the sentence that explains what it means for them, once when the connection drops
 * and once when it is back (a reconnect resumes at the live edge: what was said meanwhile is not sent again).
 */
import type { SocketState } from "@livetranslate/core/client";

export type ConnectionNotice = "lost" | "back" | undefined;

/** How long "Connected again" stays up. */
export const BACK_NOTICE_MS = 4000;

/** The sentence for a notice: a listener who gets no speech (a captions-only language, audio not enabled) reads of captions only. */
export function connectionNoticeText(notice: "lost" | "back", withAudio: boolean): string {
  const what = withAudio ? "Captions and audio" : "Captions";
  return notice === "lost" ? `Connection lost. Reconnecting… ${what} will continue when the connection is back.` : `Connected again. ${what} continue from now.`;
}

/**
 * The notice after the socket moves from `previous` to `next`. Only a connection that was open and dropped is
 * "lost" (the first connection attempt is not); a lost one that opens again is "back". Closing on purpose
 * (the session ended, the page left) says nothing.
 */
export function nextConnectionNotice(notice: ConnectionNotice, previous: SocketState | "idle", next: SocketState | "idle"): ConnectionNotice {
  if (next === "closed" || next === "idle") return undefined;
  if (next === "open") return notice === "lost" ? "back" : notice;
  // Connecting or reconnecting: still lost until it opens again.
  return previous === "open" || notice === "lost" ? "lost" : undefined;
}
