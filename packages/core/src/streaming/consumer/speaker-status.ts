/** What the speaker sees of the session while talking: who listens, how far behind it runs, the words so far. */
import { samplesToMs } from "../../audio/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { type PipelineDeps, postAll, postInterim } from "../pipeline/index.ts";
import type { WarmSession } from "./checkpoint.ts";
import { shedAt } from "./overload.ts";
import type { LiveRecognition } from "./recognition.ts";

const STATUS_INTERVAL_MS = 1000;

type StatusDeps = Pick<PipelineDeps, "notifier" | "db" | "log" | "measurements" | "now">;

/**
 * Who is connected, read only when the batch needs it (a segment closed, a new interim, a status due, the end) and
 * then once: most batches are a moment of audio that needs nobody.
 */
export function batchAudience(db: Db, sessionId: string): () => Promise<Audience> {
  let query: Promise<Audience> | undefined;
  return () => (query ??= Audience.of(db, sessionId));
}

/**
 * The open segment's words so far, when they changed and a speaker is there to see them. After a rebuild the
 * recognizer may be seconds of replayed audio behind: the batch does not wait for it.
 */
export async function sendInterim(deps: StatusDeps, recognition: LiveRecognition, warm: WarmSession, audience: () => Promise<Audience>, wait: boolean): Promise<void> {
  const { session, segmenter } = warm;
  const open = segmenter.openSegment;
  if (!open) return;
  const text = (await recognition.interim(session.sessionId, wait))?.trim();
  if (!text || text === warm.lastInterim) return;
  const { speakers } = await audience();
  if (speakers.length === 0) return;
  warm.lastInterim = text;
  await postInterim(deps, {
    sessionId: session.sessionId,
    speakers,
    sequenceNumber: open.sequenceNumber,
    language: session.sourceLanguage,
    text,
    startMs: samplesToMs(open.startSample),
    endMs: samplesToMs(segmenter.consumedSamples),
  });
}

/** The speaker hears who listens (on change, at most once a second) and, at once, when the overload level moves. */
export async function sendStatus(deps: StatusDeps, warm: WarmSession, audience: () => Promise<Audience>, latencyMs?: number, overloadChanged = false): Promise<void> {
  const now = (deps.now ?? Date.now)();
  if (!overloadChanged && now - (warm.statusSentAt ?? 0) < STATUS_INTERVAL_MS) return;
  const current = await audience();
  const counts = Audience.listenerCounts(current);
  const statusKey = JSON.stringify(Object.entries(counts).sort());
  if (!overloadChanged && warm.overload === 0 && statusKey === warm.statusKey && latencyMs === undefined) return;
  const overload = warm.overload > 0 || overloadChanged ? { overloaded: warm.overload > 0, lagMs: warm.lagMs, shedding: shedAt(warm.overload) } : {};
  await postAll(deps, current.speakers, { type: "sessionStatus", sessionId: warm.session.sessionId, listeners: counts, latencyMs, ...overload });
  warm.statusKey = statusKey;
  warm.statusSentAt = now;
}

/**
 * The speaker's chunks reuse indexes the session consumed long ago (see `ChunkOrder.reusedIndex`): they are dropped,
 * so the speaker is told where to continue, once per batch.
 */
export async function tellIndexReused(deps: StatusDeps, warm: WarmSession, audience: () => Promise<Audience>): Promise<void> {
  const { speakers } = await audience();
  const nextChunkIndex = warm.order.nextChunkIndex;
  const message = `chunk indexes below ${nextChunkIndex} were used already in this session; continue from ${nextChunkIndex}`;
  await postAll(deps, speakers, { type: "error", code: "chunk_index_reused", message, nextChunkIndex });
}
