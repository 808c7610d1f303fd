/**
 * Plays a talk through running local mode as a speaker would, with listeners connected, and measures
 * for each utterance the time from the end of its voiced speech (the last 10 ms frame above -40 dBFS, not
 * the end of the clip's samples) to what listeners receive.
 */
import type { LocalMode } from "../../server.ts";
import { concatPcm } from "@livetranslate/core/audio";
import { placeInTalk } from "@livetranslate/core/protocol";
import { chunksOf, englishClips, type Talk, untranscribedClips } from "@livetranslate/testing/fixtures";
import { ConnectRefused, ProtocolClient, streamInRealTime } from "../../testing/client.ts";

export interface TalkOptions {
  targetLanguages: string[];
  /** One entry per listener: the language it listens to. */
  listeners: string[];
  /** Faster than real time when > 1. */
  speed?: number;
  /** The first listener fetches each translated audio the moment its message arrives, as the player does. */
  fetchAudio?: boolean;
  /**
   * After the talk the speaker ends the session; the last segment is still delivered, then everyone gets
   * `sessionEnded`. This bounds how long to wait for it (default: 2 minutes on the reference machine).
   */
  endWaitMs?: number;
  /** Stop connecting listeners at this time (epoch ms): bounded load tests connect what they can. */
  connectDeadline?: number;
  /** Plays the talk this many times back to back in the one session (a long talk without holding it all in memory). */
  repeat?: number;
  /** Called with the session once its listeners are connected, before the speaker starts (e.g. to connect more elsewhere). */
  beforeTalk?: (sessionId: string) => Promise<void>;
  /**
   * Listeners take segments in parts (the protocol extension the listener app uses): an utterance's latency is then
   * to the last part it has, and the ear-voice span is per part.
   */
  parts?: boolean;
}

export interface UtteranceLatency {
  /** End of the voiced speech in the talk (ms). */
  endMs: number;
  /** Length of the voiced speech (s): sentences of 3 s or less are reported apart. */
  voicedSeconds: number;
  caption?: number;
  translation?: number;
  audioMessage?: number;
  audioFetched?: number;
  /** Final segments holding some of its voiced speech (more than one: split in the middle); undefined without a listener. */
  segments?: number;
  /** With `parts`: the parts of those segments that hold some of its voiced speech. */
  parts?: number;
  /** With `parts`: its last part went out when its segment closed (else at a pause, before the close). */
  lastPartAtClose?: boolean;
  /** Its last segment (and part), the one its latency is measured at. */
  last?: { segmentId: string; part?: number };
  /** What was said (the fixture's transcript), where known. */
  reference?: string;
  /** The source text of those segments, as the first listener received it. */
  heard?: string;
}

export interface TalkResult {
  sessionId: string;
  utterances: UtteranceLatency[];
  /**
   * Ear-voice span per translated clip at the first listener (s): from the mid-point of the source speech the clip
   * covers (its segment's span in the talk) to the clip's message; what an interpreter's lag is measured as.
   */
  earVoiceSpans: number[];
  /** The speaker's `sessionStatus` messages, with when they arrived (epoch ms). */
  speakerStatuses: { at: number; overloaded?: boolean; lagMs?: number; shedding?: string[] }[];
  /** When the talk's first chunk was sent (epoch ms). */
  startedAt: number;
  listeners: ProtocolClient[];
  /** Listener connections that failed, counted by cause. */
  failedListeners: Record<string, number>;
  audioBytesFetched: number;
}

/** A short cause for a failed connection or session: the HTTP status or the socket error's code. */
export function failureCause(error: unknown): string {
  if (error instanceof ConnectRefused) return `HTTP ${error.status}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message.slice(0, 120) : String(error));
}

export async function playTalk(local: Pick<LocalMode, "url" | "wsUrl">, talk: Talk, options: TalkOptions): Promise<TalkResult> {
  const response = await fetch(`${local.url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sourceLanguage: "en", targetLanguages: options.targetLanguages }),
  });
  if (response.status !== 201) throw new Error(`creating a session failed: ${response.status} ${await response.text()}`);
  const session = (await response.json()) as { sessionId: string; speakerToken: string };
  const listeners: ProtocolClient[] = [];
  const failedListeners: Record<string, number> = {};
  // Connect in small groups: a burst of hundreds of upgrades at once is not what is being measured.
  for (let i = 0; i < options.listeners.length && Date.now() < (options.connectDeadline ?? Infinity); i += 50) {
    const settled = await Promise.allSettled(
      options.listeners
        .slice(i, i + 50)
        .map((language) => ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language, ...(options.parts ? { parts: "1" } : {}) })),
    );
    for (const result of settled) {
      if (result.status === "fulfilled") listeners.push(result.value);
      else failedListeners[failureCause(result.reason)] = (failedListeners[failureCause(result.reason)] ?? 0) + 1;
    }
  }
  const notConnected = options.listeners.length - listeners.length - Object.values(failedListeners).reduce((a, b) => a + b, 0);
  if (notConnected > 0) failedListeners["not attempted: connect deadline passed"] = notConnected;
  await options.beforeTalk?.(session.sessionId);
  const speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
  // Talks longer than the gateway's 10-minute idle limit (the soak) keep their listeners connected as the apps do.
  for (const listener of listeners) listener.keepAlive();
  const speed = options.speed ?? 1;
  // Fetches run while the talk does, on the loaded server: when each finished is what a listener waits for.
  const fetchedAt = new Map<number, number>();
  const fetches: Promise<void>[] = [];
  let audioBytesFetched = 0;
  if (options.fetchAudio && listeners[0]) {
    listeners[0].socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { type: string; sequenceNumber?: number; part?: number; url?: string };
      if (message.type !== "translatedAudio" || !message.url || message.sequenceNumber === undefined) return;
      const key = placeInTalk({ sequenceNumber: message.sequenceNumber, part: message.part });
      if (fetchedAt.has(key)) return;
      fetchedAt.set(key, Number.NaN);
      fetches.push(
        fetch(message.url)
          .then((r) => r.arrayBuffer())
          .then((body) => {
            audioBytesFetched += body.byteLength;
            fetchedAt.set(key, Date.now());
          }),
      );
    });
  }
  const startAt = Date.now();
  const repeat = options.repeat ?? 1;
  // Whole chunks only: a short last chunk would still take a chunk's time on the sender's clock, and a talk played
  // over and over would drift ahead of the audio it sends, a little more every round, which the latency
  // figures would count as a delay growing all along.
  const pcm = padToWholeChunks(talk.pcm, 1600);
  const chunks = [...chunksOf(pcm, 100)];
  const talkMs = pcm.length / 16;
  function* played() {
    for (let r = 0; r < repeat; r++) yield* chunks;
  }
  const next = await streamInRealTime(speaker, session.sessionId, played(), { startAt, speed });
  // Silence after the talk so the last utterance closes, then let deliveries finish.
  await streamInRealTime(speaker, session.sessionId, chunksOf(new Int16Array(16_000), 100), { firstChunkIndex: next, speed });
  // Everything spoken is delivered before `sessionEnded` (the protocol's order), however far behind a busy
  // machine runs: wait for that rather than a fixed time.
  speaker.send({ action: "endSession", sessionId: session.sessionId });
  const witness = listeners[0] ?? speaker;
  await witness.waitFor(() => witness.messages("sessionEnded").length > 0, options.endWaitMs ?? 120_000, "sessionEnded").catch(() => undefined);
  await speaker.close();
  await Promise.all(fetches);

  // A bounded load test may have connected no listener at all: nothing was measured at a listener then.
  const first = listeners[0];
  const finals = first ? first.messages("transcript").filter((t) => t.isFinal) : [];
  const utterances: UtteranceLatency[] = [];
  const spoken = Array.from({ length: repeat }, (_, r) =>
    talk.utterances.map((u) => ({ ...u, startMs: u.startMs + r * talkMs, endMs: u.endMs + r * talkMs, voicedStartMs: u.voicedStartMs + r * talkMs, voicedEndMs: u.voicedEndMs + r * talkMs })),
  ).flat();
  for (const u of spoken) {
    const spokenEnd = startAt + u.voicedEndMs / speed;
    const last = finals.filter((s) => s.startMs < u.endMs && s.endMs > u.startMs).at(-1);
    const at = (type: string) => first?.received.find((r) => r.message.type === type && "sequenceNumber" in r.message && last && placeInTalk(r.message) === placeInTalk(last))?.at;
    const entry: UtteranceLatency = { endMs: u.voicedEndMs, voicedSeconds: (u.voicedEndMs - u.voicedStartMs) / 1000, reference: u.text };
    // Segments whose span (pre-roll and kept silence included) meets the voice: the 1 s gaps keep neighbours apart.
    if (first) {
      const over = finals.filter((s) => s.startMs < u.voicedEndMs && s.endMs > u.voicedStartMs);
      entry.segments = new Set(over.map((s) => s.segmentId)).size;
      if (options.parts) entry.parts = over.length;
      entry.heard = over.map((s) => s.text).join(" ");
    }
    if (last) {
      const seconds = (t: number | undefined) => (t === undefined || Number.isNaN(t) ? undefined : (t - spokenEnd) / 1000);
      entry.caption = seconds(at("transcript"));
      entry.translation = seconds(at("translation"));
      entry.audioMessage = seconds(at("translatedAudio"));
      entry.audioFetched = seconds(fetchedAt.get(placeInTalk(last)));
      if (options.parts) entry.lastPartAtClose = last.lastPart === true;
      entry.last = { segmentId: last.segmentId, part: last.part };
    }
    utterances.push(entry);
  }
  const spanOf = new Map(finals.map((t) => [placeInTalk(t), t]));
  const earVoiceSpans = (first?.received ?? []).flatMap(({ at, message }) => {
    const span = message.type === "translatedAudio" ? spanOf.get(placeInTalk(message)) : undefined;
    return span ? [(at - (startAt + (span.startMs + span.endMs) / 2 / speed)) / 1000] : [];
  });
  const speakerStatuses = speaker.received.flatMap(({ at, message }) =>
    message.type === "sessionStatus" ? [{ at, overloaded: message.overloaded, lagMs: message.lagMs, shedding: message.shedding }] : [],
  );
  return { sessionId: session.sessionId, utterances, earVoiceSpans, speakerStatuses, startedAt: startAt, listeners, failedListeners, audioBytesFetched };
}

function padToWholeChunks(pcm: Int16Array, chunkSamples: number): Int16Array {
  const short = pcm.length % chunkSamples;
  return short === 0 ? pcm : concatPcm([pcm, new Int16Array(chunkSamples - short)]);
}

/**
 * `count` fixture clips in a fixed order, from `offset` on (round the pool as needed). The transcribed clips keep
 * their text: the word error rate through the whole system is measured on them.
 */
export function clipsFor(count: number, offset = 0): { file: string; text?: string }[] {
  const pool = [...englishClips(), ...untranscribedClips().map((file) => ({ file }))];
  return Array.from({ length: count }, (_, i) => pool[(i + offset) % pool.length]!);
}

export async function closeAll(clients: ProtocolClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.close()));
}
