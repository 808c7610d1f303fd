/** Accepting the speaker's audio: only the session's speaker, only valid PCM, straight into the ordered stream. */
import { pcmFromBase64, samplesToMs } from "../../audio/index.ts";
import type { Connection } from "../../domain/connection/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { VisibleError } from "../../error.ts";
import type { AudioIngest, SpeakerAccounts } from "../../ports/index.ts";
import { type AudioChunkMessage, MAX_CHUNK_MS, MIN_CHUNK_MS } from "../../protocol/index.ts";
import { Session } from "../../domain/session/index.ts";
import { Checkpoint } from "../consumer/checkpoint.ts";

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
  speakerAccounts?: SpeakerAccounts,
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
  await Session.requireSpeakerAccount(await Session.requireTakesChunk(db, chunk.sessionId, chunk.chunkIndex), speakerAccounts);
  await ingest.put({
    kind: "chunk",
    sessionId: chunk.sessionId,
    chunkIndex: chunk.chunkIndex,
    capturedAt: chunk.timestamp,
    ingestedAt: now,
    audioData: chunk.audioData,
  });
}

/**
 * Ends the session: the end goes into the stream first (the consumer closes the last segment, then tells everyone),
 * then the session is marked ended for new connections. In that order a failure between the two leaves the session
 * active, so the speaker's retry puts the end again (the consumer ends a session once), instead of answering
 * `session_ended` to an end that never reached the stream.
 *
 * The speaker asks again while no `sessionEnded` comes: an end waiting for chunks that never arrive would otherwise
 * wait for ever, since nothing else reaches the stream to tell the consumer that its wait is over. A repeat of an
 * ended session's end goes into the stream as it is (the consumer measures the wait by it, and ignores it once ended).
 */
export async function endSession(
  db: Db,
  ingest: AudioIngest,
  connection: Connection.Info,
  sessionId: string,
  lastChunkIndex?: number,
  speakerAccounts?: SpeakerAccounts,
): Promise<void> {
  requireSpeakerOf(connection, sessionId, "end the session");
  const session = await Session.requireExisting(db, sessionId);
  await Session.requireSpeakerAccount(session, speakerAccounts);
  if (session.status === "ended") {
    await ingest.put({ kind: "end", sessionId, ingestedAt: Date.now(), ...(session.lastChunkIndex !== undefined ? { lastChunkIndex: session.lastChunkIndex } : {}) });
    return;
  }
  await ingest.put({ kind: "end", sessionId, ingestedAt: Date.now(), ...(lastChunkIndex !== undefined ? { lastChunkIndex } : {}) });
  await Session.end(db, sessionId, lastChunkIndex);
}

/**
 * Where the session's chunk numbering continues: one past the highest index the consumer has taken (in order or
 * held for reordering). A reloaded speaker page starts from here, since indexes at or below it would be dropped as
 * repeats. Chunks still in flight in the stream are not counted; the consumer tells a speaker that reuses them.
 */
export async function nextChunkIndex(db: Db, connection: Connection.Info, sessionId: string): Promise<number> {
  requireSpeakerOf(connection, sessionId, "ask where the audio stands");
  const order = (await Checkpoint.read(Checkpoint.entity(db.config), sessionId))?.order;
  if (!order) return 0;
  return Math.max(order.lastChunkIndex, ...order.held) + 1;
}
