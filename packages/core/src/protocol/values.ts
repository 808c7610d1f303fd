/** The protocol's basic values: the audio format, chunk limits, and how languages and sessions are named. */
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
