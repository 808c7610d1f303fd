import { describe, expect, it } from "vitest";
import type { Audience } from "../connection/index.ts";
import { memoryLog } from "../log.ts";
import type { AudioStore, ConnectionNotifier, SpeechSynthesizer, Translator } from "../ports.ts";
import type { ServerMessage } from "../protocol/index.ts";
import { type PipelineDeps, runSegment, type SegmentJob } from "./index.ts";

function fakes() {
  const sent: { to: string; message: ServerMessage }[] = [];
  const stored = new Map<string, { data: Uint8Array; contentType: string }>();
  const translations: string[] = [];
  const syntheses: string[] = [];
  const forgotten: string[] = [];
  const gone = new Set<string>();
  const notifier: ConnectionNotifier = {
    async post(to, message) {
      if (gone.has(to)) return "gone";
      sent.push({ to, message });
      return "delivered";
    },
    async disconnect() {},
  };
  const translator: Translator = {
    pairs: [],
    async translate(text, _source, target) {
      translations.push(target);
      if (target === "xx") throw new Error("engine for xx crashed");
      return `[${target}] ${text}`;
    },
  };
  const synthesizer: SpeechSynthesizer = {
    languages: [],
    async synthesize(text, language) {
      syntheses.push(language);
      return { data: new TextEncoder().encode(text), format: "audio/wav", durationSeconds: 1.25 };
    },
  };
  const audioStore: AudioStore = {
    async put(key, data, contentType) {
      stored.set(key, { data, contentType });
    },
    async presignedUrl(key, expires) {
      return `http://store/${key}?expires=${expires}`;
    },
  };
  const log = memoryLog();
  let clock = 1_000;
  const deps: PipelineDeps = {
    translator,
    synthesizer,
    audioStore,
    notifier,
    forgetConnection: async (id) => void forgotten.push(id),
    log,
    now: () => (clock += 10),
  };
  return { deps, sent, stored, translations, syntheses, forgotten, gone, log };
}

function job(audience: Audience, overrides: Partial<SegmentJob> = {}): SegmentJob {
  return {
    sessionId: "brave-fox-123",
    sourceLanguage: "en",
    targetLanguages: ["es", "fr", "it"],
    audience,
    sequenceNumber: 7,
    startMs: 1000,
    endMs: 3500,
    times: { speechEndCapturedAt: 900, ingestedAt: 950, closedAt: 1000 },
    transcribe: async () => " hello world ",
    claim: async () => true,
    ...overrides,
  };
}

const audience = (): Audience => ({
  speakers: ["spk"],
  listenersByLanguage: new Map([
    ["es", ["es1", "es2"]],
    ["fr", ["fr1"]],
  ]),
});

describe("runSegment", () => {
  it("sends one final transcript to everyone and translation + audio to each language's listeners", async () => {
    // Prepare
    const f = fakes();
    // Act
    const result = await runSegment(f.deps, job(audience()));
    // Assess
    const to = (id: string) => f.sent.filter((s) => s.to === id).map((s) => s.message.type);
    expect(to("spk")).toEqual(["transcript"]);
    expect(to("es1")).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(to("es2")).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(to("fr1")).toEqual(["transcript", "translation", "translatedAudio"]);
    const transcript = f.sent.find((s) => s.message.type === "transcript")!.message;
    expect(transcript).toMatchObject({ text: "hello world", isFinal: true, language: "en", sequenceNumber: 7, startMs: 1000, endMs: 3500 });
    const audio = f.sent.find((s) => s.to === "fr1" && s.message.type === "translatedAudio")!.message;
    expect(audio).toMatchObject({
      targetLanguage: "fr",
      format: "audio/wav",
      duration: 1.25,
      timestamp: 900,
      segmentId: result.segmentId,
    });
    expect((audio as { url: string }).url).toContain("sessions/brave-fox-123/translated/fr/000007.wav");
    expect((audio as { url: string }).url).toContain("expires=600");
    expect(result.times.notifiedAt).toBeGreaterThan(result.times.transcribedAt!);
  });

  it("translates and synthesizes once per language with listeners, never per listener, and skips languages nobody hears", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience()));
    expect(f.translations.sort()).toEqual(["es", "fr"]);
    expect(f.syntheses.sort()).toEqual(["es", "fr"]);
    expect([...f.stored.keys()].sort()).toEqual([
      "sessions/brave-fox-123/translated/es/000007.wav",
      "sessions/brave-fox-123/translated/fr/000007.wav",
    ]);
  });

  it("sends nothing when the segment was already claimed by an earlier attempt", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience(), { claim: async () => false }));
    expect(f.sent).toEqual([]);
    expect(f.translations).toEqual([]);
  });

  it("sends nothing for an empty transcript", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience(), { transcribe: async () => "  " }));
    expect(f.sent).toEqual([]);
  });

  it("keeps other languages going when one fails, and forgets gone connections", async () => {
    const f = fakes();
    f.gone.add("es2");
    const a = audience();
    a.listenersByLanguage.set("xx", ["xx1"]);
    const result = await runSegment(f.deps, job(a, { targetLanguages: ["es", "fr", "xx"] }));
    expect(result.languages.find((l) => l.language === "xx")?.error).toContain("crashed");
    expect(f.sent.filter((s) => s.to === "fr1").map((s) => s.message.type)).toContain("translatedAudio");
    expect(f.forgotten).toContain("es2");
    expect(f.log.entries.some((e) => e.event === "segment.language_failed" && e.language === "xx")).toBe(true);
  });

  it("logs every stage timestamp as structured JSON", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience()));
    const done = f.log.entries.find((e) => e.event === "segment.done")!;
    const times = done.times as Record<string, number>;
    for (const stage of ["speechEndCapturedAt", "ingestedAt", "closedAt", "transcribedAt", "translatedAt", "synthesizedAt", "storedAt", "notifiedAt"]) {
      expect(typeof times[stage], stage).toBe("number");
    }
    expect(JSON.parse(JSON.stringify(done))).toEqual(done);
  });
});
