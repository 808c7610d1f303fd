/** Accepting the speaker's audio: only the session's speaker, only valid PCM, straight into the ordered stream. */
import { pcmFromBase64, samplesToMs } from "../../audio/index.ts";
import type { Connection } from "../../domain/connection/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { VisibleError } from "../../error.ts";
import type { AudioIngest } from "../../ports/index.ts";
import { type AudioChunkMessage, MAX_CHUNK_MS, MIN_CHUNK_MS } from "../../protocol/index.ts";
import { Session } from "../../domain/session/index.ts";

function requireSpeakerOf(connection: Connection.Info, sessionId: string, what: string): void {
  if (connection.role !== "speaker") {
    throw new VisibleError("not_speaker", `only the session's speaker can ${what}; this connection is a listener`, 403);
  }
  if (connection.sessionId !== sessionId) {
    throw new VisibleError(
      "wrong_session",
      `this connection speaks for session "${connection.sessionId}", not "${sessionId}"`,
      403,
    );
  }
}

export async function acceptChunk(
  db: Db,
  ingest: AudioIngest,
  connection: Connection.Info,
  chunk: AudioChunkMessage,
  now = Date.now(),
): Promise<void> {
  requireSpeakerOf(connection, chunk.sessionId, "send audio");
  const pcm = pcmFromBase64(chunk.audioData);
  if (!pcm) {
    throw new VisibleError("invalid_audio", "audioData is not a whole number of 16-bit samples (odd byte count)");
  }
  const ms = samplesToMs(pcm.length);
  if (ms < MIN_CHUNK_MS || ms > MAX_CHUNK_MS) {
    throw new VisibleError(
      "invalid_audio",
      `audioData holds ${ms.toFixed(1)} ms of audio; a chunk must hold ${MIN_CHUNK_MS}-${MAX_CHUNK_MS} ms of 16 kHz mono PCM`,
    );
  }
  await Session.requireActive(db, chunk.sessionId);
  await ingest.put({
    kind: "chunk",
    sessionId: chunk.sessionId,
    chunkIndex: chunk.chunkIndex,
    capturedAt: chunk.timestamp,
    ingestedAt: now,
    audioData: chunk.audioData,
  });
}

/** Ends the session for new connections at once; the consumer closes the last segment, then tells everyone. */
export async function endSession(db: Db, ingest: AudioIngest, connection: Connection.Info, sessionId: string): Promise<void> {
  requireSpeakerOf(connection, sessionId, "end the session");
  await Session.requireActive(db, sessionId);
  await Session.end(db, sessionId);
  await ingest.put({ kind: "end", sessionId, ingestedAt: Date.now() });
}
