/**
 * End to end through the protocol only (HTTP + WebSocket) against local mode running as its own process
 * with the real engines: a speaker streams real speech in real time; es and an listeners get captions,
 * translations and audio they can fetch and decode. Aragonese is reached through Spanish (two Apertium pairs)
 * and voiced by eSpeak NG. Two listened languages: with a third, on a busy shared machine, the Spanish listener
 * stopped getting every segment's audio (the consumer sheds translated speech when behind real time); French,
 * a pivot too, is heard in the browser test.
 */
import { msToSamples, samplesToMs } from "@livetranslate/core/audio";
import type { CreateSessionResponse, LanguagesResponse, ServerMessage } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips, wordErrorRate } from "@livetranslate/testing/fixtures";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { BroadcastClient } from "../testing/broadcast-client.ts";
import { ProtocolClient, streamInRealTime } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

type Final = Extract<ServerMessage, { type: "transcript" }>;

describe("a talk, end to end in local mode", () => {
  let local: LocalProcess;
  let session: CreateSessionResponse;
  let es: ProtocolClient;
  /** An Aragonese listener: English -> Spanish -> Aragonese. */
  let an: ProtocolClient;
  /** What GET /languages offered. */
  let offered: LanguagesResponse;
  /** A Spanish listener that takes segments in parts (the protocol extension). */
  let esParts: ProtocolClient;
  /** A Spanish listener by broadcast (MQTT to the local broker), as the listener app listens. */
  let esBroadcast: BroadcastClient;
  let speaker: ProtocolClient;
  /** The speaker's connection before it reconnected. */
  let firstSpeaker: ProtocolClient;
  let chunksResent = 0;
  const talk = assembleTalk(englishClips(), 1000);
  let startAt = 0;

  beforeAll(async () => {
    // As Lambda may: batches of the session land in any of 4 execution environments, at random (seeded).
    local = await startLocalProcess({ LIVETRANSLATE_CONSUMER_ENVIRONMENTS: "4", LIVETRANSLATE_CONSUMER_ROUTING: "random", LIVETRANSLATE_SEED: "1" });
    offered = (await (await fetch(`${local.url}/languages`)).json()) as LanguagesResponse;
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr", "it", "an"] }),
    });
    expect(response.status).toBe(201);
    session = (await response.json()) as CreateSessionResponse;
    es = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es" });
    an = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "an" });
    esParts = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es", parts: "1" });
    esBroadcast = await BroadcastClient.join(local.url, session.sessionId, "es");
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });

    // The talk, in real time, as 100 ms chunks. Every 25th chunk is sent twice, as a flaky client would.
    startAt = Date.now();
    const chunks = [...chunksOf(talk.pcm, 100)];
    const next = await streamInRealTime(speaker, session.sessionId, chunks, {
      startAt,
      onChunk: (index) => {
        if (index % 25 === 0) {
          speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * 100);
          chunksResent++;
        }
      },
    });
    // A reconnecting speaker resends its last 3 s (already processed): nothing may come of it twice.
    await speaker.close();
    firstSpeaker = speaker;
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    const resendFrom = next - 30;
    for (let index = resendFrom; index < next; index++) {
      speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * 100);
      chunksResent++;
    }
    // Silence after the talk closes the last segment; the microphone's clock ran on during the reconnect.
    await streamInRealTime(speaker, session.sessionId, chunksOf(new Int16Array(msToSamples(1500)), 100), {
      firstChunkIndex: next,
      startAt: startAt + next * 100,
    });
    const expected = talk.utterances.length;
    for (const listener of [es, an]) {
      await listener.waitFor(
        () => {
          const finals = listener.messages("transcript").filter((t) => t.isFinal);
          const lastEnd = Math.max(0, ...finals.map((t) => t.endMs));
          const audio = listener.messages("translatedAudio").length;
          return finals.length >= expected && lastEnd > talk.utterances.at(-1)!.endMs - 2000 && audio === finals.length;
        },
        // Random routing: environments rebuild from the stream and decode segments again, on a shared machine.
        180_000,
        "every utterance's transcript and audio",
      );
    }
    await esParts.waitFor(
      () => finals(es).every((whole) => partsOf(whole.segmentId).map((p) => p.text).join(" ") === whole.text),
      60_000,
      "every segment's parts",
    );
    await esBroadcast.waitFor(
      () => finals(es).every((whole) => broadcastPartsOf(whole.segmentId).map((p) => p.text).join(" ") === whole.text),
      60_000,
      "every segment's parts by broadcast",
    );
    // Let any late duplicate surface before asserting there is none.
    await new Promise((r) => setTimeout(r, 1500));
  }, scaledTimeout(420_000));

  afterAll(async () => {
    await Promise.all([es?.close(), an?.close(), esParts?.close(), esBroadcast?.close(), speaker?.close(), firstSpeaker?.close()]);
    await local?.stop();
  });

  const finals = (client: ProtocolClient): Final[] => client.messages("transcript").filter((t) => t.isFinal);
  const partsOf = (segmentId: string): Final[] => finals(esParts).filter((t) => t.segmentId === segmentId);
  const broadcastPartsOf = (segmentId: string) => esBroadcast.messages("part").filter((p) => p.segmentId === segmentId);

  it("sends a listener by broadcast each part once, as one message: the same parts as parts=1, its translation and its speech", async () => {
    for (const whole of finals(es)) {
      const parts = partsOf(whole.segmentId);
      const published = broadcastPartsOf(whole.segmentId);
      expect(published.map((p) => [p.part, p.lastPart, p.text, p.startMs, p.endMs]), whole.segmentId).toEqual(parts.map((p) => [p.part, p.lastPart, p.text, p.startMs, p.endMs]));
      const translations = esParts.messages("translation").filter((m) => m.segmentId === whole.segmentId);
      const audio = esParts.messages("translatedAudio").filter((m) => m.segmentId === whole.segmentId);
      expect(published.map((p) => p.translation)).toEqual(translations.map((t) => t.text));
      // The same stored speech as the parts=1 listener's, made once.
      expect(published.map((p) => p.audio?.url)).toEqual(audio.map((a) => a.url));
    }
    expect(esBroadcast.messages("part").every((p) => p.targetLanguage === "es" && p.language === "en")).toBe(true);
    // Nothing but parts came on the topic while the talk went on.
    expect(esBroadcast.received.every((r) => r.message.type === "part")).toBe(true);
    const first = esBroadcast.messages("part")[0]!;
    expect((await fetch(first.audio!.url)).status).toBe(200);
  });

  it("offers Aragonese, reached through Spanish and voiced", () => {
    expect(offered.target).toContain("an");
    expect(offered.routes?.an).toEqual({ via: "es" });
    expect(offered.routes?.es).toEqual({});
    expect(offered.captionsOnly).not.toContain("an");
  });

  it("sends a listener that takes parts each segment in parts, in order, each once, with a translation and speech per part", () => {
    const lines: string[] = [];
    for (const whole of finals(es)) {
      const parts = partsOf(whole.segmentId);
      lines.push(`${whole.segmentId}: ${parts.map((p) => `[${p.part}${p.lastPart ? " last" : ""}] ${p.text}`).join(" ")}`);
      expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i));
      expect(parts.map((p) => p.text).join(" ")).toBe(whole.text);
      expect(parts[0]!.startMs).toBe(whole.startMs);
      expect(parts.at(-1)!.endMs).toBe(whole.endMs);
      for (const type of ["translation", "translatedAudio"] as const) {
        const its = esParts.messages(type).filter((m) => m.segmentId === whole.segmentId);
        expect(its.map((m) => m.part), `${type} of ${whole.segmentId}`).toEqual(parts.map((p) => p.part));
      }
    }
    console.log(`parts:\n  ${lines.join("\n  ")}`);
    // Real speech pauses inside sentences: some segments went out in more than one part.
    expect(finals(esParts).some((p) => p.part! > 0)).toBe(true);
    // Whole-segment listeners never see a part.
    expect([...es.received, ...an.received].some((r) => "part" in r.message)).toBe(false);
  });

  it("gives every utterance its transcript, with a word error rate in pocketsphinx's range", () => {
    const segments = finals(es);
    const lines: string[] = [];
    let errors = 0;
    let words = 0;
    for (const utterance of talk.utterances) {
      const inside = segments.filter((s) => s.startMs < utterance.endMs && s.endMs > utterance.startMs);
      expect(inside.length, `segments over ${utterance.file}`).toBeGreaterThanOrEqual(1);
      const text = inside.map((s) => s.text).join(" ");
      const wer = wordErrorRate(utterance.text!, text);
      const n = utterance.text!.split(/\s+/).length;
      errors += wer * n;
      words += n;
      lines.push(`${utterance.file.split("/").pop()}  WER ${(wer * 100).toFixed(0)}%  "${text}"`);
    }
    const overall = errors / words;
    console.log(`word error rate ${(overall * 100).toFixed(1)}% over ${words} words\n  ${lines.join("\n  ")}`);
    expect(overall).toBeLessThan(0.7);
  });

  it("sends each segment exactly one final transcript, one translation and one audio per listener language", () => {
    for (const listener of [es, an]) {
      const segmentIds = finals(listener).map((t) => t.segmentId);
      expect(new Set(segmentIds).size).toBe(segmentIds.length);
      const sequence = finals(listener).map((t) => t.sequenceNumber);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      for (const type of ["translation", "translatedAudio"] as const) {
        const ids = listener.messages(type).map((m) => m.segmentId);
        expect(ids.sort()).toEqual([...segmentIds].sort());
      }
    }
    expect(es.messages("translation").every((m) => m.targetLanguage === "es")).toBe(true);
    expect(an.messages("translatedAudio").every((m) => m.targetLanguage === "an")).toBe(true);
    // Both listeners saw the same segments, each after its transcript came its translation, then its audio.
    expect(finals(an).map((t) => t.segmentId)).toEqual(finals(es).map((t) => t.segmentId));
    for (const listener of [es, an]) {
      for (const { segmentId } of finals(listener)) {
        const order = listener.received
          .filter((r) => "segmentId" in r.message && r.message.segmentId === segmentId && (r.message.type !== "transcript" || r.message.isFinal))
          .map((r) => r.message.type);
        expect(order, segmentId).toEqual(["transcript", "translation", "translatedAudio"]);
      }
    }
  });

  it("sends the speaker each segment's final transcript at most once, across its reconnect", async () => {
    const listenerFinals = new Map(finals(es).map((t) => [t.segmentId, t.text]));
    const seen = [...finals(firstSpeaker), ...finals(speaker)];
    const ids = seen.map((t) => t.segmentId);
    expect(new Set(ids).size, `segments the speaker saw: ${ids.join(" ")}`).toBe(ids.length);
    expect(seen.map((t) => t.sequenceNumber)).toEqual(seen.map((t) => t.sequenceNumber).sort((a, b) => a - b));
    for (const t of seen) expect(listenerFinals.get(t.segmentId), t.segmentId).toBe(t.text);
    // (Segments whose audience was read while the speaker was reconnecting went to the old connection only:
    // how many depends on how far behind the pipeline runs, so only repeats are counted here.)
    expect(ids.length).toBeGreaterThan(0);
    // The repeated chunks were recognised as repeats and never reached the segmenter: every segment lies in
    // the audio actually spoken (talk and closing silence), none in audio counted twice.
    const count = (event: string, field: string) =>
      local.logs.filter((l) => l.event === event).reduce((sum, l) => sum + (l[field] as number), 0);
    // Dropped as seen before, or (on a machine so busy that a chunk was given up on) as late.
    const dropped = () => count("consumer.duplicate_chunks", "duplicates") + count("consumer.late_chunks_dropped", "late");
    // The old connection's last messages may still be in the gateway when the new one resends them: then the
    // resends go into the stream first, and the originals, dropped as repeats, come after the talk's end.
    await es.waitFor(() => dropped() >= chunksResent, 60_000, "every resent chunk dropped as a repeat").catch(() => undefined);
    // (At least: a batch retried after a failure counts its repeats again.)
    expect(dropped(), `${chunksResent} chunks resent`).toBeGreaterThanOrEqual(chunksResent);
    const spokenMs = samplesToMs(talk.pcm.length) + 1500;
    for (const t of finals(es)) expect(t.endMs, t.segmentId).toBeLessThanOrEqual(spokenMs);
  });

  it("serves every audio URL with decodable speech of plausible duration", async () => {
    for (const listener of [es, an]) {
      for (const message of listener.messages("translatedAudio")) {
        const response = await fetch(message.url);
        expect(response.status, message.url).toBe(200);
        expect(response.headers.get("content-type")).toBe(message.format);
        const wav = new wavefile.WaveFile(new Uint8Array(await response.arrayBuffer()));
        const fmt = wav.fmt as { sampleRate: number; numChannels: number };
        const samples = (wav.data as { chunkSize: number }).chunkSize / 2 / fmt.numChannels;
        const seconds = samples / fmt.sampleRate;
        expect(seconds).toBeCloseTo(message.duration, 1);
        const text = listener.messages("translation").find((t) => t.segmentId === message.segmentId)!.text;
        // eSpeak speaks roughly 8-25 characters a second.
        expect(seconds).toBeGreaterThan(text.length / 40);
        expect(seconds).toBeLessThan(text.length / 5 + 2);
        // Speech, not silence.
        const pcm = wav.getSamples(false, Int16Array) as unknown as Int16Array;
        expect(pcm.reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0), message.url).toBeGreaterThan(1000);
      }
    }
  });

  it("spends nothing on a target language nobody listens to", () => {
    const done = local.logs.filter((l) => l.event === "segment.done");
    expect(done.length).toBeGreaterThan(0);
    for (const entry of done) {
      // The pipeline also logs the speaker's caption delivery (entry "speaker"); it translates nothing.
      const languages = (entry.languages as { language: string }[]).map((l) => l.language).filter((l) => l !== "speaker").sort();
      expect(languages).toEqual(["an", "es"]);
    }
    // Parts go to es only (the parts=1 and broadcast listeners), never to Italian, which nobody hears.
    const parts = local.logs.filter((l) => l.event === "part.done");
    expect(parts.length).toBeGreaterThan(0);
    for (const entry of parts) {
      expect((entry.languages as { language: string }[]).map((l) => l.language)).toEqual(["es"]);
    }
  });

  it("reports latency per stage for each segment: stages in order, summing to the total, seen by the listener after they happen", () => {
    type Times = { speechEndCapturedAt: number; ingestedAt: number; closedAt: number; transcribedAt: number; translatedAt: number; synthesizedAt: number; storedAt: number; notifiedAt: number };
    const order = ["speechEndCapturedAt", "ingestedAt", "closedAt", "transcribedAt", "translatedAt", "synthesizedAt", "storedAt", "notifiedAt"] as const;
    const done = local.logs.filter((l) => l.event === "segment.done");
    expect(done.map((d) => d.segmentId).sort()).toEqual(finals(es).map((t) => t.segmentId).sort());
    const rows: string[] = [];
    for (const entry of done) {
      const times = entry.times as Times;
      const stages = entry.stagesMs as Record<string, number>;
      const what = `segment ${entry.sequenceNumber} ${JSON.stringify(times)}`;
      // Every stage happened, in pipeline order (one clock: the speaker runs on this machine).
      for (const [i, stage] of order.entries()) {
        expect(times[stage], `${what}: ${stage}`).toBeTypeOf("number");
        if (i > 0) expect(times[stage], `${what}: ${stage} after ${order[i - 1]}`).toBeGreaterThanOrEqual(times[order[i - 1]!]);
      }
      // Each stage is the time between its two timestamps, and the stages add up to the total.
      expect(stages, what).toEqual({
        segmenterWait: times.closedAt - times.speechEndCapturedAt,
        asr: times.transcribedAt - times.closedAt,
        mt: times.translatedAt - times.transcribedAt,
        tts: times.synthesizedAt - times.translatedAt,
        store: times.storedAt - times.synthesizedAt,
        notify: times.notifiedAt - times.storedAt,
        total: times.notifiedAt - times.speechEndCapturedAt,
      });
      const { total, ...parts } = stages;
      expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(total);
      // Per language: translated after the transcript, notified within the segment's own notify time.
      const targets = (entry.languages as { language: string; translateMs: number; notifiedMs: number }[]).filter((l) => l.language !== "speaker");
      expect(targets.map((l) => l.language).sort(), what).toEqual(["an", "es"]);
      for (const language of targets) {
        expect(language.translateMs, `${what} ${language.language}`).toBeGreaterThanOrEqual(0);
        expect(language.translateMs).toBeLessThanOrEqual(times.translatedAt - times.transcribedAt);
        expect(language.notifiedMs).toBeLessThanOrEqual(times.notifiedAt - times.closedAt);
        expect(language.notifiedMs).toBeGreaterThanOrEqual(times.transcribedAt - times.closedAt);
      }
      // The es listener got the caption after it was transcribed, and the translation and audio after the
      // Spanish translation was done; the audio message carries the capture time of the end of the speech.
      const spanish = (entry.languages as { language: string; translateMs: number }[]).find((l) => l.language === "es")!;
      const receivedAt = (type: string) =>
        es.received.find((r) => r.message.type === type && "segmentId" in r.message && r.message.segmentId === entry.segmentId && (r.message.type !== "transcript" || r.message.isFinal))!;
      expect(receivedAt("transcript").at, what).toBeGreaterThanOrEqual(times.transcribedAt);
      expect(receivedAt("translation").at, what).toBeGreaterThanOrEqual(times.transcribedAt + spanish.translateMs);
      expect(receivedAt("translatedAudio").at, what).toBeGreaterThanOrEqual(times.transcribedAt + spanish.translateMs);
      expect((receivedAt("translatedAudio").message as { timestamp: number }).timestamp).toBe(times.speechEndCapturedAt);
      rows.push(`#${entry.sequenceNumber}  ${Object.entries(stages).map(([k, v]) => `${k} ${v}`).join("  ")}`);
    }

    // Client side: from where each utterance's voice ends (its last frame above -40 dBFS, not the quiet after
    // it) to its caption and audio message at the es listener. The segment that ends the utterance puts the end
    // of speech where the voice ends on the speaker's clock (its 20 ms frames at -50 dB reach a little further).
    const client = talk.utterances.map((u) => {
      const last = finals(es).filter((s) => s.startMs < u.endMs && s.endMs > u.startMs).at(-1)!;
      const times = done.find((d) => d.segmentId === last.segmentId)!.times as Times;
      const voiceEndedAt = startAt + u.voicedEndMs;
      expect(times.speechEndCapturedAt - voiceEndedAt, `${u.file}: end of speech`).toBeGreaterThanOrEqual(-11);
      expect(times.speechEndCapturedAt - startAt, `${u.file}: end of speech`).toBeLessThanOrEqual(u.endMs + 21);
      const caption = es.received.find((r) => r.message.type === "transcript" && r.message.isFinal && r.message.segmentId === last.segmentId)!.at - voiceEndedAt;
      const audio = es.received.find((r) => r.message.type === "translatedAudio" && r.message.segmentId === last.segmentId)!.at - voiceEndedAt;
      expect(caption, u.file).toBeGreaterThanOrEqual(0);
      expect(audio, u.file).toBeGreaterThanOrEqual(caption);
      return `${u.file.split("/").pop()}  caption +${(caption / 1000).toFixed(2)} s  audio +${(audio / 1000).toFixed(2)} s`;
    });
    console.log(`per-stage latency (ms):\n  ${rows.join("\n  ")}\nfrom the end of the voice:\n  ${client.join("\n  ")}`);
  });
});
