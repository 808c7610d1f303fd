/**
 * Plays a talk through running local mode as a speaker would, with listeners connected, and measures
 * for each utterance the time from the end of its speech to what listeners receive.
 */
import type { LocalMode } from "../server.ts";
import { chunksOf, type Talk } from "@livetranslate/core/testing/fixtures";
import { ProtocolClient, streamInRealTime } from "../testing/client.ts";

export interface TalkOptions {
  targetLanguages: string[];
  /** One entry per listener: the language it listens to. */
  listeners: string[];
  /** Faster than real time when > 1. */
  speed?: number;
  /** Fetch each utterance's translated audio once (as a listener's player would). */
  fetchAudio?: boolean;
  settleMs?: number;
  /** Stop connecting listeners at this time (epoch ms): bounded load tests connect what they can. */
  connectDeadline?: number;
}

export interface UtteranceLatency {
  endMs: number;
  caption?: number;
  translation?: number;
  audioMessage?: number;
  audioFetched?: number;
}

export interface TalkResult {
  sessionId: string;
  utterances: UtteranceLatency[];
  /** Resident memory growth per listener while they connected (server and client sides: an upper bound). */
  rssPerListenerKb?: number;
  listeners: ProtocolClient[];
  audioBytesFetched: number;
}

export async function playTalk(local: LocalMode, talk: Talk, options: TalkOptions): Promise<TalkResult> {
  const response = await fetch(`${local.url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sourceLanguage: "en", targetLanguages: options.targetLanguages }),
  });
  if (response.status !== 201) throw new Error(`creating a session failed: ${response.status} ${await response.text()}`);
  const session = (await response.json()) as { sessionId: string; speakerToken: string };
  const listeners: ProtocolClient[] = [];
  const rssBeforeListeners = process.memoryUsage().rss;
  // Connect in small groups: a burst of hundreds of upgrades at once is not what is being measured.
  for (let i = 0; i < options.listeners.length && Date.now() < (options.connectDeadline ?? Infinity); i += 50) {
    listeners.push(
      ...(await Promise.all(
        options.listeners.slice(i, i + 50).map((language) => ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language })),
      )),
    );
  }
  const rssPerListenerKb = listeners.length ? (process.memoryUsage().rss - rssBeforeListeners) / 1024 / listeners.length : undefined;
  const speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
  const speed = options.speed ?? 1;
  const startAt = Date.now();
  const next = await streamInRealTime(speaker, session.sessionId, chunksOf(talk.pcm, 100), { startAt, speed });
  // Silence after the talk so the last utterance closes, then let deliveries finish.
  await streamInRealTime(speaker, session.sessionId, chunksOf(new Int16Array(16_000), 100), { firstChunkIndex: next, speed });
  await new Promise((r) => setTimeout(r, options.settleMs ?? 3000));
  await speaker.close();

  const first = listeners[0]!;
  const finals = first.messages("transcript").filter((t) => t.isFinal);
  let audioBytesFetched = 0;
  const utterances: UtteranceLatency[] = [];
  for (const u of talk.utterances) {
    const spokenEnd = startAt + u.endMs / speed;
    const last = finals.filter((s) => s.startMs < u.endMs && s.endMs > u.startMs).at(-1);
    const at = (type: string) => first.received.find((r) => r.message.type === type && "segmentId" in r.message && r.message.segmentId === last?.segmentId)?.at;
    const entry: UtteranceLatency = { endMs: u.endMs };
    if (last) {
      const seconds = (t: number | undefined) => (t === undefined ? undefined : (t - spokenEnd) / 1000);
      entry.caption = seconds(at("transcript"));
      entry.translation = seconds(at("translation"));
      const audio = first.received.find((r) => r.message.type === "translatedAudio" && r.message.segmentId === last.segmentId);
      entry.audioMessage = seconds(audio?.at);
      if (audio && options.fetchAudio && audio.message.type === "translatedAudio") {
        // Fetched when it arrived would have been: measure the fetch itself and add it to the arrival.
        const started = Date.now();
        const body = await (await fetch(audio.message.url)).arrayBuffer();
        audioBytesFetched += body.byteLength;
        entry.audioFetched = seconds(audio.at + (Date.now() - started));
      }
    }
    utterances.push(entry);
  }
  return { sessionId: session.sessionId, utterances, listeners, audioBytesFetched, rssPerListenerKb };
}

export async function closeAll(clients: ProtocolClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.close()));
}
