/** What the speaker sees of the session while talking: who listens, how far behind it runs, the words so far. */
import { samplesToMs } from "../../audio/index.ts";
import { Admission } from "../../domain/admission/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import type { Db } from "../../domain/db/index.ts";
import type { BindingQuota } from "../../domain/quotas/index.ts";
import { type PipelineDeps, postAll, postInterim } from "../pipeline/index.ts";
import type { WarmSession } from "./checkpoint.ts";
import { shedAt } from "./overload.ts";
import type { LiveRecognition } from "./recognition.ts";

const STATUS_INTERVAL_MS = 1000;
/** A quota met this recently still binds, for the speaker's status. */
const QUOTA_BINDS_FOR_MS = 5000;

type StatusDeps = Pick<PipelineDeps, "notifier" | "db" | "log" | "measurements" | "now">;

/**
 * Who is connected, read only when the batch needs it (a segment closed, a status due, the end) and then once: most
 * batches are a moment of audio that needs nobody. Each read notes the speaker's connections on `warm`, which a new
 * interim caption reuses within the status interval.
 */
export function batchAudience(db: Db, sessionId: string, warm?: WarmSession, now: () => number = Date.now): BatchAudience {
  let query: Promise<Audience> | undefined;
  let speakersQuery: Promise<string[]> | undefined;
  const noted = (ids: string[]) => {
    if (warm) warm.speakers = { ids, at: now() };
    return ids;
  };
  const audience = () =>
    (query ??= Audience.of(db, sessionId).then((read) => {
      noted(read.speakers);
      return read;
    }));
  return Object.assign(audience, {
    speakers: () => (query ? query.then((read) => read.speakers) : (speakersQuery ??= Audience.speakersOf(db, sessionId).then(noted))),
  });
}

/** Who is connected, read once per batch when needed; the speakers alone when no one else is needed. */
export interface BatchAudience {
  (): Promise<Audience>;
  speakers(): Promise<string[]>;
}

/**
 * The open segment's words so far, when they changed and a speaker is there to see them. After a rebuild the
 * recognizer may be seconds of replayed audio behind: the batch does not wait for it.
 */
export async function sendInterim(deps: StatusDeps, recognition: LiveRecognition, warm: WarmSession, audience: BatchAudience, wait: boolean): Promise<void> {
  const { session, segmenter } = warm;
  const open = segmenter.openSegment;
  if (!open) return;
  const text = (await recognition.interim(session.sessionId, wait))?.trim();
  if (!text || text === warm.lastInterim) return;
  // The speaker's connections as read within the status interval (a status due reads them again).
  const now = (deps.now ?? Date.now)();
  const known = warm.speakers && now - warm.speakers.at < STATUS_INTERVAL_MS ? warm.speakers.ids : undefined;
  const speakers = known ?? (await audience.speakers());
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

/**
 * The speaker hears who listens (on change, at most once a second) and, at once, when the overload level moves or
 * the quotas that bind change. Who listens is read (the session's admitted listeners, one item, and its speakers)
 * only when a status is due: `statusSentAt` moves whenever one was due, sent or not, so it is read once a second,
 * not every batch.
 */
export async function sendStatus(deps: StatusDeps, warm: WarmSession, audience: BatchAudience, latencyMs?: number, overloadChanged = false): Promise<void> {
  const now = (deps.now ?? Date.now)();
  const quotas = (Object.entries(warm.quotasMetAt ?? {}) as [BindingQuota, number][]).filter(([, at]) => now - at < QUOTA_BINDS_FOR_MS).map(([quota]) => quota).sort();
  const quotasChanged = quotas.join() !== (warm.quotasSent ?? []).join();
  const urgent = overloadChanged || quotasChanged;
  if (!urgent && now - (warm.statusSentAt ?? 0) < STATUS_INTERVAL_MS) return;
  warm.statusSentAt = now;
  const [speakers, counts] = await Promise.all([audience.speakers(), Admission.counts(deps.db, warm.session.sessionId)]);
  const statusKey = JSON.stringify(Object.entries(counts).sort());
  if (!urgent && warm.overload === 0 && quotas.length === 0 && statusKey === warm.statusKey && latencyMs === undefined) return;
  const overload = warm.overload > 0 || overloadChanged ? { overloaded: warm.overload > 0, lagMs: warm.lagMs, shedding: shedAt(warm.overload) } : {};
  const binding = quotas.length > 0 || quotasChanged ? { quotas } : {};
  await postAll(deps, speakers, { type: "sessionStatus", sessionId: warm.session.sessionId, listeners: counts, latencyMs, ...overload, ...binding });
  warm.statusKey = statusKey;
  warm.quotasSent = quotas;
}

/**
 * The speaker's chunks reuse indexes the session consumed long ago (see `ChunkOrder.reusedIndex`): they are dropped,
 * so the speaker is told where to continue, once per batch.
 */
export async function tellIndexReused(deps: StatusDeps, warm: WarmSession, audience: BatchAudience): Promise<void> {
  const speakers = await audience.speakers();
  const nextChunkIndex = warm.order.nextChunkIndex;
  const message = `chunk indexes below ${nextChunkIndex} were used already in this session; continue from ${nextChunkIndex}`;
  await postAll(deps, speakers, { type: "error", code: "chunk_index_reused", message, nextChunkIndex });
}
