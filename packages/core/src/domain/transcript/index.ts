/**
 * Transcripts, for sessions created with `keepTranscript: true` only: each segment's source text and its
 * translation into every target language, kept as long as the session's records (one day), and rendered for
 * the speaker as WebVTT, SubRip, plain text or JSON, cues timed from the session's audio.
 */
import { VisibleError } from "../../error.ts";
import { type Db, expiresAt } from "../db/index.ts";
import { Session } from "../session/index.ts";

export const TRANSCRIPT_FORMATS = ["vtt", "srt", "txt", "json"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export interface TranscriptSegment {
  sequenceNumber: number;
  startMs: number;
  endMs: number;
  text: string;
  translations: Record<string, string>;
}

export namespace Transcript {
  export async function record(db: Db, sessionId: string, segment: TranscriptSegment): Promise<void> {
    // Keyed by the segment: a retried batch writes the same record again.
    await db.entities.transcriptSegment.put({ sessionId, ...segment, expiresAt: expiresAt() }).go();
  }

  /**
   * The session so far in `language` (the source language gives the source transcript), for its speaker.
   * Errors say what is wrong: no such session or no transcript kept (404), wrong token (403), a language the
   * session does not have or an unknown format (400).
   */
  export async function read(
    db: Db,
    request: { sessionId: string; token: string | undefined; language: string | undefined; format: string | undefined },
  ): Promise<{ body: string; contentType: string }> {
    // The transcript is the speaker's (Authorization: Bearer <speakerToken>); without it, a session that exists and
    // one that does not answer alike.
    const session = await Session.requireSpeaker(db, request.sessionId, request.token);
    if (!session.keepTranscript) {
      throw new VisibleError("not_found", "this session keeps no transcript; create the session with keepTranscript: true to keep one", 404);
    }
    const format = (request.format ?? "vtt") as TranscriptFormat;
    if (!TRANSCRIPT_FORMATS.includes(format)) {
      throw new VisibleError("bad_request", `format "${request.format}" is not one of ${TRANSCRIPT_FORMATS.join(", ")}`);
    }
    const language = request.language ?? session.sourceLanguage;
    if (format !== "json" && language !== session.sourceLanguage && !session.targetLanguages.includes(language)) {
      throw new VisibleError(
        "unsupported_language",
        `language "${language}" is not in this session; choose ${[session.sourceLanguage, ...session.targetLanguages].join(", ")}`,
      );
    }
    const { data } = await db.entities.transcriptSegment.query.byId({ sessionId: session.sessionId }).go({ pages: "all" });
    const segments = (data as TranscriptSegment[]).sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    return render(segments, language === session.sourceLanguage ? undefined : language, format);
  }

  /** `language` undefined: the source text. A segment with no translation in `language` is left out. */
  export function render(segments: readonly TranscriptSegment[], language: string | undefined, format: TranscriptFormat) {
    if (format === "json") {
      return {
        contentType: "application/json",
        body: JSON.stringify({
          segments: segments.map(({ sequenceNumber, startMs, endMs, text, translations }) => ({ sequenceNumber, startMs, endMs, text, translations })),
        }),
      };
    }
    const cues = segments
      .map((s) => ({ ...s, text: language ? s.translations[language] : s.text }))
      .filter((s): s is TranscriptSegment & { text: string } => !!s.text);
    if (format === "txt") return { contentType: "text/plain; charset=utf-8", body: cues.map((c) => `${c.text}\n`).join("") };
    const stamp = (ms: number, separator: string) => {
      const t = Math.max(0, Math.round(ms));
      const pad = (n: number, width = 2) => String(n).padStart(width, "0");
      return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}${separator}${pad(t % 1000, 3)}`;
    };
    const blocks = cues.map((c, i) => {
      const sep = format === "srt" ? "," : ".";
      return `${i + 1}\n${stamp(c.startMs, sep)} --> ${stamp(c.endMs, sep)}\n${c.text}\n`;
    });
    if (format === "srt") return { contentType: "application/x-subrip; charset=utf-8", body: blocks.join("\n") };
    return { contentType: "text/vtt; charset=utf-8", body: `WEBVTT\n\n${blocks.join("\n")}` };
  }
}
