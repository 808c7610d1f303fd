/**
 * End to end through the protocol only (HTTP + WebSocket) against local mode running as its own process
 * with the real engines: a speaker streams real speech in real time; es and fr listeners get captions,
 * translations and audio they can fetch and decode.
 */
import { msToSamples } from "@livetranslate/core/audio";
import type { CreateSessionResponse, ServerMessage } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips, wordErrorRate } from "@livetranslate/core/testing/fixtures";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProtocolClient, streamInRealTime } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

type Final = Extract<ServerMessage, { type: "transcript" }>;

describe("a talk, end to end in local mode", () => {
  let local: LocalProcess;
  let session: CreateSessionResponse;
  let es: ProtocolClient;
  let fr: ProtocolClient;
  let speaker: ProtocolClient;
  const talk = assembleTalk(englishClips(), 1000);
  let startAt = 0;

  beforeAll(async () => {
    // As Lambda may: batches of the session land in any of 4 execution environments, at random (seeded).
    local = await startLocalProcess({ LIVETRANSLATE_CONSUMER_ENVIRONMENTS: "4", LIVETRANSLATE_CONSUMER_ROUTING: "random", LIVETRANSLATE_SEED: "1" });
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr", "it"] }),
    });
    expect(response.status).toBe(201);
    session = (await response.json()) as CreateSessionResponse;
    es = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es" });
    fr = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "fr" });
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });

    // The talk, in real time, as 100 ms chunks. Every 25th chunk is sent twice, as a flaky client would.
    startAt = Date.now();
    const chunks = [...chunksOf(talk.pcm, 100)];
    const next = await streamInRealTime(speaker, session.sessionId, chunks, {
      startAt,
      onChunk: (index) => {
        if (index % 25 === 0) speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * 100);
      },
    });
    // A reconnecting speaker resends its last 3 s (already processed): nothing may come of it twice.
    await speaker.close();
    speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    const resendFrom = next - 30;
    for (let index = resendFrom; index < next; index++) {
      speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * 100);
    }
    // Silence after the talk closes the last segment.
    await streamInRealTime(speaker, session.sessionId, chunksOf(new Int16Array(msToSamples(1500)), 100), {
      firstChunkIndex: next,
    });
    const expected = talk.utterances.length;
    for (const listener of [es, fr]) {
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
    // Let any late duplicate surface before asserting there is none.
    await new Promise((r) => setTimeout(r, 1500));
  }, 420_000);

  afterAll(async () => {
    await Promise.all([es?.close(), fr?.close(), speaker?.close()]);
    await local?.stop();
  });

  const finals = (client: ProtocolClient): Final[] => client.messages("transcript").filter((t) => t.isFinal);

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
    for (const listener of [es, fr]) {
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
    expect(fr.messages("translatedAudio").every((m) => m.targetLanguage === "fr")).toBe(true);
    // The speaker (after reconnecting) saw no segment twice either; both listeners saw the same segments.
    expect(finals(fr).map((t) => t.segmentId)).toEqual(finals(es).map((t) => t.segmentId));
  });

  it("serves every audio URL with decodable audio of plausible duration", async () => {
    for (const listener of [es, fr]) {
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
      }
    }
  });

  it("spends nothing on a target language nobody listens to", () => {
    const done = local.logs.filter((l) => l.event === "segment.done");
    expect(done.length).toBeGreaterThan(0);
    for (const entry of done) {
      const languages = (entry.languages as { language: string }[]).map((l) => l.language).sort();
      expect(languages).toEqual(["es", "fr"]);
    }
  });

  it("reports latency per stage for each segment", () => {
    const done = local.logs.filter((l) => l.event === "segment.done");
    const rows = done.map((entry) => {
      const stages = entry.stagesMs as Record<string, number | undefined>;
      return `#${entry.sequenceNumber}  ${Object.entries(stages)
        .map(([k, v]) => `${k} ${v ?? "-"}`)
        .join("  ")}`;
    });
    // Client-side: from the end of each utterance's speech to its caption and audio message at the es listener.
    const client = talk.utterances.map((u) => {
      const last = finals(es).filter((s) => s.startMs < u.endMs && s.endMs > u.startMs).at(-1)!;
      const caption = es.received.find((r) => r.message.type === "transcript" && r.message.segmentId === last.segmentId)!.at;
      const audio = es.received.find((r) => r.message.type === "translatedAudio" && r.message.segmentId === last.segmentId)!.at;
      const spokenEnd = startAt + u.endMs;
      return `${u.file.split("/").pop()}  caption +${((caption - spokenEnd) / 1000).toFixed(2)} s  audio +${((audio - spokenEnd) / 1000).toFixed(2)} s`;
    });
    console.log(`per-stage latency (ms):\n  ${rows.join("\n  ")}\nfrom end of speech:\n  ${client.join("\n  ")}`);
    for (const entry of done) expect((entry.stagesMs as { total?: number }).total).toBeGreaterThan(0);
  });
});
