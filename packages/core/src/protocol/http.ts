/** The HTTP API's bodies (wire protocol v1, PROTOCOL.md): sessions, languages, joining by broadcast, errors. */
import { z } from "zod";
import { LanguageCode } from "./values.ts";

/** One name or term of a session's glossary: its translation per target language (none: kept as written). */
export const GlossaryEntry = z.object({
  term: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  translations: z.record(LanguageCode, z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters")).default({}),
});
export type GlossaryEntry = z.infer<typeof GlossaryEntry>;
export const Glossary = z.array(GlossaryEntry).max(200, "holds at most 200 entries");
export type Glossary = z.infer<typeof Glossary>;

export const CreateSessionRequest = z.object({
  sourceLanguage: LanguageCode,
  targetLanguages: z.array(LanguageCode).min(1).max(50).optional(),
  /** Extension: keep the session's transcript in every language for the speaker to download (default false). */
  keepTranscript: z.boolean().optional(),
  /** Extension: names and terms translated one way in every translation of this session. */
  glossary: Glossary.optional(),
  /**
   * Extension: listeners need the session's join key as well as its code (`joinKey` in the answer), so a guessed
   * code lets no one listen. Default false: a v1 session is joined by its code alone.
   */
  private: z.boolean().optional(),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const CreateSessionResponse = z.object({
  sessionId: z.string(),
  speakerToken: z.string(),
  sourceLanguage: LanguageCode,
  targetLanguages: z.array(LanguageCode),
  createdAt: z.number(),
  /** Extension, private sessions only: what listeners pass as `key` (the join link carries it). Shown only here. */
  joinKey: z.string().optional(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

export const ListenerCounts = z.record(z.string(), z.number().int().nonnegative());
export type ListenerCounts = z.infer<typeof ListenerCounts>;

export const SessionView = z.object({
  sessionId: z.string(),
  sourceLanguage: LanguageCode,
  targetLanguages: z.array(LanguageCode),
  status: z.enum(["active", "ended"]),
  listeners: ListenerCounts,
});
export type SessionView = z.infer<typeof SessionView>;

export const LanguagesResponse = z.object({
  source: z.array(LanguageCode),
  target: z.array(LanguageCode),
  /**
   * Extension: the targets that are translated but have no voice here. Listeners get captions and translations,
   * never `translatedAudio`. Optional so that a client still reads a server that predates it (then: none).
   */
  captionsOnly: z.array(LanguageCode).optional(),
  /**
   * Extension: how each target is reached from the source languages. `via` names the pivot language the
   * translation passes through (English -> Catalan -> Occitan); no `via`, a direct translation. Optional like
   * `captionsOnly`.
   */
  routes: z.record(LanguageCode, z.object({ via: LanguageCode.optional() })).optional(),
});
export type LanguagesResponse = z.infer<typeof LanguagesResponse>;

/** A private session's join key as a listener passes it (`?key=`, or `key` in a JSON body), typed or from the link. */
export const JoinKey = z.string().max(64, "must be at most 64 characters");

/** Extension: a listener joins by broadcast (`POST /sessions/{id}/listeners`) in a language of the session, with a private session's join key. */
export const JoinByBroadcastRequest = z.object({ language: LanguageCode, key: JoinKey.optional() });
/** Extension: a renewal (`PUT /sessions/{id}/listeners/{listenerId}`, the pass as a bearer token) may change language. */
export const RenewPassRequest = z.object({ language: LanguageCode.optional() });

/**
 * Extension: what a listener by broadcast connects with. MQTT over WebSockets to `broker.url` as client
 * `broker.clientId`, the token as password (any user name), then subscribe (QoS 1) to `broker.topic`; each message
 * on it is a `ServerMessage` as JSON (`part`, `sessionEnded`). The listener counts (and its language is voiced) while
 * its broker connection is up; renew every `heartbeatSeconds` to keep the token valid (until `expiresAt`).
 */
export const ListenerPass = z.object({
  listenerId: z.string(),
  sessionId: z.string(),
  language: LanguageCode,
  token: z.string(),
  expiresAt: z.number(),
  heartbeatSeconds: z.number(),
  broker: z.object({ url: z.string(), clientId: z.string(), topic: z.string() }),
});
export type ListenerPass = z.infer<typeof ListenerPass>;

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;
