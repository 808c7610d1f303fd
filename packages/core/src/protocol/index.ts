/**
 * Wire protocol v1 (see PROTOCOL.md). Browser-safe: depends on zod only, so the web apps import it too.
 * Fields may be added; none may be renamed or change meaning.
 */
import { z } from "zod";

export const PCM_FORMAT = "pcm-s16le-16000";
export const SAMPLE_RATE = 16_000;
/** A chunk message larger than this (JSON text) is refused. */
export const MAX_CHUNK_MESSAGE_BYTES = 32 * 1024;
export const MIN_CHUNK_MS = 20;
export const MAX_CHUNK_MS = 500;
export const AUDIO_URL_TTL_SECONDS = 600;

export const LanguageCode = z
  .string()
  // A language without an ISO 639-1 code goes by its ISO 639-3 one, as in BCP 47 (Asturian: "ast").
  .regex(/^[a-z]{2,3}$/, "must be a lower-case two-letter ISO 639-1 code such as \"en\" (three letters, ISO 639-3, for a language without one, such as \"ast\")");
export type LanguageCode = z.infer<typeof LanguageCode>;

export const SessionId = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9-]+$/, "must contain only lower-case letters, digits and dashes");

// ---------- HTTP ----------

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

// ---------- WebSocket: connecting ----------


export const SpeakerQuery = z.object({
  role: z.literal("speaker"),
  sessionId: SessionId,
  token: z.string().min(1, "is required for a speaker"),
});
export const ListenerQuery = z.object({
  role: z.literal("listener"),
  sessionId: SessionId,
  language: LanguageCode,
  /**
   * Extension: `parts=1` takes each segment in parts, a clause at a time while the speaker goes on (see `SegmentPart`).
   * Absent or `0`: whole segments, exactly as v1.
   */
  parts: z.enum(["0", "1"], { error: 'parts must be "1" (segments in parts) or "0"' }).optional(),
  /**
   * Extension: `bundled=1` takes each part as one `part` message (source text, translation and audio together; see
   * `PartMessage`). It implies segments in parts. Absent or `0`: the three messages per part of `parts=1`, or v1.
   */
  bundled: z.enum(["0", "1"], { error: 'bundled must be "1" (one message per part) or "0"' }).optional(),
  /** Extension: a private session's join key; ignored by a session that has none. */
  key: JoinKey.optional(),
});
export const ConnectQuery = z.discriminatedUnion("role", [SpeakerQuery, ListenerQuery], {
  error: () => 'role must be "speaker" or "listener"',
});
export type ConnectQuery = z.infer<typeof ConnectQuery>;

// ---------- WebSocket: client to server ----------

const base64 = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64")
  .refine((s) => s.length % 4 === 0, "must be base64 (length a multiple of 4)");

export const AudioChunkMessage = z.object({
  action: z.literal("audioChunk"),
  sessionId: SessionId,
  chunkIndex: z.number().int().nonnegative(),
  timestamp: z.number().nonnegative(),
  format: z.literal(PCM_FORMAT, { error: `format must be "${PCM_FORMAT}"` }),
  audioData: base64,
});
export type AudioChunkMessage = z.infer<typeof AudioChunkMessage>;

/**
 * `lastChunkIndex` (extension, optional): the last chunk the speaker sent. Chunks sent just before the end (a
 * reconnect's backlog) may reach the server after it; the session ends only once they are in.
 */
export const EndSessionMessage = z.object({ action: z.literal("endSession"), sessionId: SessionId, lastChunkIndex: z.number().int().nonnegative().optional() });
export const SetLanguageMessage = z.object({ action: z.literal("setLanguage"), language: LanguageCode });
export const PingMessage = z.object({ action: z.literal("ping") });
/**
 * Extension: a speaker asks where the session's chunk numbering stands (answered with `chunkPosition`), so a
 * reloaded page or another tab continues the numbering instead of reusing indexes the server already consumed.
 */
export const ChunkPositionRequest = z.object({ action: z.literal("chunkPosition"), sessionId: SessionId });

export const CLIENT_ACTIONS = ["audioChunk", "endSession", "setLanguage", "ping", "chunkPosition"] as const;
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

export const ClientMessage = z.discriminatedUnion("action", [
  AudioChunkMessage,
  EndSessionMessage,
  SetLanguageMessage,
  PingMessage,
  ChunkPositionRequest,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------- WebSocket: server to client ----------

/**
 * Extension, only to listeners that connected with `parts=1`: a segment arrives as parts 0, 1, 2..., each with its
 * own final `transcript`, `translation` and `translatedAudio`; the segment's text is its parts' in order, and the
 * last part says so. A part is committed at a pause inside the sentence, so its speech is heard while the speaker
 * goes on.
 */
export const SegmentPart = {
  part: z.number().int().nonnegative().optional(),
  lastPart: z.boolean().optional(),
};

/**
 * Where a segment's message, or one part's, falls in the talk: segments in order, the parts of one in order (a whole
 * segment counts as its part 0). One number, so clips sort and match by it. A segment is capped in length (the
 * segmenter's maximum), far below 1 000 parts.
 */
export function placeInTalk(message: { sequenceNumber: number; part?: number }): number {
  return message.sequenceNumber * 1000 + (message.part ?? 0);
}

export const TranscriptMessage = z.object({
  type: z.literal("transcript"),
  sessionId: z.string(),
  segmentId: z.string(),
  sequenceNumber: z.number().int(),
  language: LanguageCode,
  text: z.string(),
  isFinal: z.boolean(),
  startMs: z.number(),
  endMs: z.number(),
  ...SegmentPart,
});
export type TranscriptMessage = z.infer<typeof TranscriptMessage>;

export const TranslationMessage = z.object({
  type: z.literal("translation"),
  sessionId: z.string(),
  segmentId: z.string(),
  sequenceNumber: z.number().int(),
  targetLanguage: LanguageCode,
  text: z.string(),
  ...SegmentPart,
});
export type TranslationMessage = z.infer<typeof TranslationMessage>;

export const TranslatedAudioMessage = z.object({
  type: z.literal("translatedAudio"),
  sessionId: z.string(),
  segmentId: z.string(),
  sequenceNumber: z.number().int(),
  targetLanguage: LanguageCode,
  url: z.string(),
  format: z.string(),
  duration: z.number(),
  timestamp: z.number(),
  ...SegmentPart,
});
export type TranslatedAudioMessage = z.infer<typeof TranslatedAudioMessage>;

/** The translated speech of a part, its fields as in `translatedAudio`: URL (expires after 10 minutes), format, duration, capture time. */
export const PartAudio = TranslatedAudioMessage.pick({ url: true, format: true, duration: true, timestamp: true });
export type PartAudio = z.infer<typeof PartAudio>;

/**
 * Extension, only to listeners that connected with `bundled=1` (or that listen by broadcast): one message per part
 * and language with everything a listener shows and plays. `translation` is absent for a language the session does
 * not translate into; `audio` is absent for a captions-only language and while speech is shed under overload.
 */
const PartFields = z.object({
  sessionId: z.string(),
  segmentId: z.string(),
  sequenceNumber: z.number().int(),
  part: z.number().int().nonnegative(),
  lastPart: z.boolean(),
  /** The source language and the part's final source text. */
  language: LanguageCode,
  text: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  targetLanguage: LanguageCode,
  translation: z.string().optional(),
  audio: PartAudio.optional(),
});

/**
 * Extension, on a broadcast channel only: a part whose own publish IoT Core's quota refused past its retry budget,
 * carried by the channel's next message (the next `part`, or `sessionEnded`) in `carried`, earliest first. Its fields
 * are a `part` message's without its speech (which would be heard late, behind the talk). A client that does not
 * know `carried` misses those captions, as it would have without it; `messagesIn` unfolds them.
 */
export const CarriedPart = PartFields.omit({ sessionId: true, audio: true });
export type CarriedPart = z.infer<typeof CarriedPart>;

export const PartMessage = PartFields.extend({
  type: z.literal("part"),
  /** Extension: earlier parts of the channel this message carries (`CarriedPart`), earliest first. */
  carried: z.array(CarriedPart).optional(),
});
export type PartMessage = z.infer<typeof PartMessage>;

/**
 * An AWS quota the speaker is told binds (`sessionStatus.quotas`): Polly's, Translate's, API Gateway's posts,
 * Transcribe's concurrent streams, or IoT Core's publishes to listeners by broadcast. A client ignores a name it does
 * not know (names may be added).
 */
export const BindingQuota = z.enum(["synthesis", "translation", "posts", "recognition", "publishes"]);
export type BindingQuota = z.infer<typeof BindingQuota>;

export const SessionStatusMessage = z.object({
  type: z.literal("sessionStatus"),
  sessionId: z.string(),
  listeners: ListenerCounts,
  latencyMs: z.number().optional(),
  /** Extension: the backend is behind real time for this session by `lagMs` and sheds what `shedding` names. */
  overloaded: z.boolean().optional(),
  lagMs: z.number().optional(),
  shedding: z.array(z.enum(["interim", "audio"])).optional(),
  /**
   * Extension: the AWS quotas met in the last few seconds (calls throttled, parts degraded); `[]` once none binds
   * any more. Absent when none has bound. Names beyond `BindingQuota` may come from a newer server: a client
   * parses them and ignores them.
   */
  quotas: z.array(z.union([BindingQuota, z.string()])).optional(),
});
export type SessionStatusMessage = z.infer<typeof SessionStatusMessage>;

export const SessionEndedMessage = z.object({
  type: z.literal("sessionEnded"),
  sessionId: z.string(),
  /**
   * Extension: chunks the speaker sent before ending that never reached the backend, the end having waited for them
   * as long as it does (their audio is in no caption). Absent when none is missing.
   */
  chunksLost: z.number().int().positive().optional(),
  /** Extension, on a broadcast channel only: the channel's parts still carried at the end (`CarriedPart`), earliest first. */
  carried: z.array(CarriedPart).optional(),
});
export type SessionEndedMessage = z.infer<typeof SessionEndedMessage>;

/**
 * The messages one received message stands for: the parts it carries (`CarriedPart`), each as its own `part`
 * message in order, then the message itself without them. Every other message stands for itself alone.
 */
export function messagesIn(message: ServerMessage): ServerMessage[] {
  if ((message.type !== "part" && message.type !== "sessionEnded") || !message.carried?.length) return [message];
  const { carried, ...own } = message;
  return [...carried.map((part): PartMessage => ({ type: "part", sessionId: message.sessionId, ...part })), own];
}

export const PongMessage = z.object({ type: z.literal("pong") });

/** Extension: the answer to `chunkPosition`: the lowest chunk index the session has not consumed yet. */
export const ChunkPositionMessage = z.object({ type: z.literal("chunkPosition"), sessionId: z.string(), nextChunkIndex: z.number().int().nonnegative() });
export type ChunkPositionMessage = z.infer<typeof ChunkPositionMessage>;

/**
 * What a listener app saw while fetching translated audio (`POST /listener-reports`, anonymous): a sample of its
 * downloads, sent in batches. Published as metrics beside the pipeline's; the failure rate has an alarm.
 */
export const LISTENER_REPORT_MAX_DOWNLOADS = 50;
export const AudioDownload = z.strictObject({
  /** From the first fetch of the clip to its decoded audio, retries included (or to giving up on it). */
  latencyMs: z.number().min(0).max(10 * 60_000),
  ok: z.boolean(),
});
export type AudioDownload = z.infer<typeof AudioDownload>;
export const ListenerReport = z.strictObject({
  sessionId: SessionId,
  language: LanguageCode,
  downloads: z.array(AudioDownload).min(1).max(LISTENER_REPORT_MAX_DOWNLOADS),
  /** Extension: a private session's join key, as the listener joined with it (never recorded). */
  key: JoinKey.optional(),
});
export type ListenerReport = z.infer<typeof ListenerReport>;

export const ERROR_CODES = [
  "bad_json",
  "unknown_action",
  "invalid_message",
  "invalid_audio",
  "message_too_large",
  "not_speaker",
  "wrong_session",
  "session_not_found",
  "session_ended",
  "unsupported_language",
  "bad_request",
  "unauthorized",
  "not_found",
  "rate_limited",
  "session_full",
  "chunk_index_reused",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorMessage = z.object({
  type: z.literal("error"),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  action: z.string().optional(),
  /** With `chunk_index_reused`: where the speaker's numbering must continue. */
  nextChunkIndex: z.number().int().nonnegative().optional(),
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

export const ServerMessage = z.discriminatedUnion("type", [
  TranscriptMessage,
  TranslationMessage,
  TranslatedAudioMessage,
  PartMessage,
  SessionStatusMessage,
  SessionEndedMessage,
  PongMessage,
  ChunkPositionMessage,
  ErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Turns a zod error into one sentence a person can act on, naming each field at fault. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
