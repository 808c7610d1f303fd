import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Audience } from "../../domain/audience/index.ts";
import { Connection } from "../../domain/connection/index.ts";
import { type Db, expiresAt } from "../../domain/db/index.ts";
import { claimDelivery, MAX_DELIVERY_ATTEMPTS } from "../delivery/index.ts";
import { memoryLog } from "../../log.ts";
import { memoryMeasurements } from "../../adapters/memory/index.ts";
import { messagesIn, type ServerMessage } from "../../protocol/index.ts";
import * as CarriedParts from "../carried-parts/index.ts";
import { LabellingTranslator, MemoryAudioStore, RecordingNotifier, TextSynthesizer } from "@livetranslate/testing/fakes";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { announceEnd, type PipelineDeps, runSegment, type SegmentJob } from "./index.ts";
import { CAPTION_RETRY } from "./quota.ts";
import { throttledPublisher, TokenBucket } from "../../adapters/quota/index.ts";

let dynamo: TestTable;
let db: Db;
let sessions = 0;

beforeAll(async () => {
  dynamo = await startTestTable("pipeline");
  db = dynamo.db;
});
afterAll(() => dynamo.close());

function fakes() {
  const notifier = new RecordingNotifier();
  const translator = new LabellingTranslator();
  // Galician is not here: it is the captions-only language (translated, no voice), as with the local engines.
  const synthesizer = new TextSynthesizer(["es", "fr", "it", "xx"]);
  const audioStore = new MemoryAudioStore();
  const log = memoryLog();
  const measurements = memoryMeasurements();
  let clock = 1_000;
  const deps: PipelineDeps = { db, translator, synthesizer, audioStore, notifier, log, measurements, now: () => (clock += 10) };
  return {
    deps,
    sent: notifier.sent,
    stored: audioStore.stored,
    translations: translator.asked,
    syntheses: synthesizer.spoken,
    gone: notifier.gone,
    failing: translator.failing,
    log,
    measurements,
  };
}

function job(audience: Audience, overrides: Partial<SegmentJob> = {}): SegmentJob {
  return {
    sessionId: `brave-fox-${++sessions}`,
    sourceLanguage: "en",
    targetLanguages: ["es", "fr", "it"],
    audience,
    sequenceNumber: 7,
    startMs: 1000,
    endMs: 3500,
    text: " hello world ",
    times: { speechEndCapturedAt: 900, ingestedAt: 950, closedAt: 1000, transcribedAt: 1000 },
    revision: 3,
    ...overrides,
  };
}

const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

const audience = (): Audience => ({
  speakers: ["spk"],
  listenersByLanguage: new Map([
    ["es", ["es1", "es2"]],
    ["fr", ["fr1"]],
  ]),
  partListenersByLanguage: new Map(),
});

const typesTo = (sent: { to: string; message: ServerMessage }[], id: string) => sent.filter((s) => s.to === id).map((s) => s.message.type);

describe("runSegment", () => {
  it("sends the final transcript to everyone and translation + audio to each language's listeners", async () => {
    // Prepare
    const f = fakes();
    // Act
    const result = await runSegment(f.deps, job(audience()));
    // Assess
    expect(typesTo(f.sent, "spk")).toEqual(["transcript"]);
    for (const id of ["es1", "es2", "fr1"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
    const transcript = f.sent.find((s) => s.message.type === "transcript")!.message;
    expect(transcript).toMatchObject({ text: "hello world", isFinal: true, language: "en", sequenceNumber: 7, startMs: 1000, endMs: 3500 });
    const audio = f.sent.find((s) => s.to === "fr1" && s.message.type === "translatedAudio")!.message;
    expect(audio).toMatchObject({ targetLanguage: "fr", format: "audio/wav", duration: 1.25, timestamp: 900, segmentId: result.segmentId });
    expect((audio as { url: string }).url).toContain(`sessions/${result.segmentId.slice(0, -6)}/translated/fr/000007.wav`);
    expect((audio as { url: string }).url).toContain("expires=600");
    expect(result.times.notifiedAt).toBeGreaterThan(result.times.transcribedAt!);
    expect(result).toMatchObject({ incomplete: false, sent: true });
  });

  it("sends a part as one message to bundled listeners: source, translation and audio, synthesized once beside the three-message listeners", async () => {
    // Prepare: es has a listener of three messages per part and two of one; fr and gl (captions only) one each.
    const f = fakes();
    const parts: Audience = {
      speakers: ["spk"],
      listenersByLanguage: new Map([["es", ["es-p"]]]),
      partListenersByLanguage: new Map(),
      bundledListenersByLanguage: new Map([
        ["es", ["es-b1", "es-b2"]],
        ["fr", ["fr-b"]],
        ["gl", ["gl-b"]],
      ]),
    };
    const first = job(parts, { targetLanguages: ["es", "fr", "gl"], text: "hello there", part: { index: 0, last: false }, endMs: 2000 });
    // Act: part 0, its retry, then the last part.
    const result = await runSegment(f.deps, first);
    const again = await runSegment(f.deps, first);
    await runSegment(f.deps, { ...first, text: "world", startMs: 2000, endMs: 3500, part: { index: 1, last: true } });
    // Assess
    expect(typesTo(f.sent, "spk")).toEqual([]);
    expect(typesTo(f.sent, "es-p")).toEqual(["transcript", "translation", "translatedAudio", "transcript", "translation", "translatedAudio"]);
    for (const id of ["es-b1", "es-b2", "fr-b", "gl-b"]) expect(typesTo(f.sent, id)).toEqual(["part", "part"]);
    const es = f.sent.find((s) => s.to === "es-b1")!.message;
    expect(es).toEqual({
      type: "part",
      sessionId: first.sessionId,
      segmentId: result.segmentId,
      sequenceNumber: 7,
      part: 0,
      lastPart: false,
      language: "en",
      text: "hello there",
      startMs: 1000,
      endMs: 2000,
      targetLanguage: "es",
      translation: "[es] hello there",
      audio: { url: expect.stringContaining("/translated/es/000007-part0.wav"), format: "audio/wav", duration: 1.25, timestamp: 900 },
    });
    const esAudio = f.sent.find((s) => s.to === "es-p" && s.message.type === "translatedAudio")!.message as { url: string };
    expect((es as { audio: { url: string } }).audio.url).toBe(esAudio.url);
    expect(f.sent.find((s) => s.to === "gl-b")!.message).toMatchObject({ type: "part", translation: "[gl] hello there" });
    expect(f.sent.find((s) => s.to === "gl-b")!.message).not.toHaveProperty("audio");
    expect(f.sent.filter((s) => s.to === "fr-b").map((s) => (s.message as { lastPart: boolean }).lastPart)).toEqual([false, true]);
    // One synthesis per part and voiced language, whoever takes it; the retry sent nothing.
    expect(f.syntheses.sort()).toEqual(["es", "es", "fr", "fr"]);
    expect(again.sent).toBe(false);
  });

  it("publishes a part once per language with listeners by broadcast, whatever their number, and never a whole segment", async () => {
    // Prepare: 500 Spanish and 2 French listeners by broadcast, one bundled connection in Spanish.
    const f = fakes();
    const published: { channel: { sessionId: string; language: string }; message: ServerMessage }[] = [];
    f.deps.broadcast = { publish: async (channel, message) => void published.push({ channel, message }) };
    const many = Array.from({ length: 500 }, (_, i) => `l${i}`);
    const parts: Audience = {
      speakers: [],
      listenersByLanguage: new Map(),
      partListenersByLanguage: new Map(),
      bundledListenersByLanguage: new Map([["es", ["es-b"]]]),
      broadcastListenersByLanguage: new Map([
        ["es", many],
        ["fr", ["f1", "f2"]],
      ]),
    };
    const part = job(parts, { part: { index: 2, last: true } });
    // Act: the part, its retry, and the whole segment to an audience holding the same listeners.
    const result = await runSegment(f.deps, part);
    await runSegment(f.deps, part);
    await runSegment(f.deps, job({ ...parts, speakers: ["spk"] }, { sessionId: part.sessionId, sequenceNumber: 8 }));
    // Assess
    expect(published.map((p) => p.channel)).toEqual([
      { sessionId: part.sessionId, language: "es" },
      { sessionId: part.sessionId, language: "fr" },
    ]);
    expect(published[0]!.message).toEqual(f.sent.find((s) => s.to === "es-b")!.message);
    expect(published[1]!.message).toMatchObject({ type: "part", part: 2, lastPart: true, targetLanguage: "fr", translation: "[fr] hello world", audio: { format: "audio/wav" } });
    expect(result.languages.find((l) => l.language === "es")).toMatchObject({ listeners: 501 });
    expect(f.syntheses.sort()).toEqual(["es", "fr"]);
  });

  it("retries a throttled publish within the quota budget, then keeps the part for that language only, marked done, without failing the batch", async () => {
    // Prepare: IoT Core throttles every publish to fr; es goes through.
    const f = fakes();
    f.deps.sleep = async () => undefined;
    const published: string[] = [];
    let frAttempts = 0;
    f.deps.broadcast = {
      async publish(channel) {
        if (channel.language === "fr") {
          frAttempts++;
          throw throttled();
        }
        published.push(channel.language);
      },
    };
    const parts: Audience = {
      speakers: [],
      listenersByLanguage: new Map(),
      partListenersByLanguage: new Map(),
      broadcastListenersByLanguage: new Map([
        ["es", ["l1"]],
        ["fr", ["l2"]],
      ]),
    };
    const part = job(parts, { part: { index: 0, last: true } });
    // Act: the part, then a retried batch.
    const result = await runSegment(f.deps, part);
    await runSegment(f.deps, part);
    // Assess: fr asked as often as a caption's budget allows in the first attempt, never again; the batch is not
    // failed; the part is owed to fr, not dropped.
    expect(published).toEqual(["es"]);
    expect(frAttempts).toBe(CAPTION_RETRY.attempts);
    expect(result.incomplete).toBe(false);
    expect(result.languages.find((l) => l.language === "fr")).toMatchObject({ quotas: ["publishes"] });
    expect(result.languages.find((l) => l.language === "fr")!.degraded).toBeUndefined();
    expect(f.measurements.get("PublishesCarried")).toBe(1);
    expect(f.measurements.get("PublishesDropped")).toBe(0);
    expect(await CarriedParts.owed(db, { sessionId: part.sessionId, language: "fr" })).toMatchObject([{ sequenceNumber: 7, part: 0, translation: "[fr] hello world" }]);
  });

  it("gives every broadcast listener every part exactly once and in order under a publish quota far below the load, carried by later publishes and the end", async () => {
    // Prepare: IoT Core's account rate at one publish every 5 s, on a clock that moves only while a throttled call
    // waits: the parts come far faster than that, and a part's budget (under 3 s of waiting) mostly ends before a
    // publish is let through. Two languages by broadcast, four segments of three parts each.
    const f = fakes();
    let clock = 0;
    f.deps.sleep = async (ms) => void (clock += ms);
    const channel: { sessionId: string; language: string; message: ServerMessage }[] = [];
    f.deps.broadcast = throttledPublisher({ publish: async (to, message) => void channel.push({ ...to, message }) }, new TokenBucket(0.2, 1, () => clock));
    const byBroadcast: Audience = {
      speakers: [],
      listenersByLanguage: new Map(),
      partListenersByLanguage: new Map(),
      broadcastListenersByLanguage: new Map([
        ["es", ["l1", "l2"]],
        ["fr", ["l3"]],
      ]),
    };
    const sessionId = job(byBroadcast).sessionId;
    const expected: string[] = [];
    // Act: every part, as the consumer delivers them (one after the other), then the session's end.
    const results = [];
    for (let sequenceNumber = 1; sequenceNumber <= 4; sequenceNumber++) {
      for (let index = 0; index < 3; index++) {
        expected.push(`${sequenceNumber}#${index}`);
        results.push(await runSegment(f.deps, job(byBroadcast, { sessionId, sequenceNumber, text: `words ${sequenceNumber} ${index}`, part: { index, last: index === 2 } })));
      }
    }
    await announceEnd(f.deps, Audience.everyone(byBroadcast), { sessionId, targetLanguages: ["es", "fr"] });
    // Assess: each language's listeners, unfolding what each message carries, got every part once, in order, with
    // its translation; no batch failed; every part kept was carried.
    for (const language of ["es", "fr"]) {
      const heard = channel.filter((c) => c.language === language).flatMap((c) => messagesIn(c.message));
      const parts = heard.filter((m) => m.type === "part");
      expect(parts.map((m) => `${m.sequenceNumber}#${m.part}`)).toEqual(expected);
      expect(parts.every((m) => m.translation === `[${language}] ${m.text}`)).toBe(true);
      // The end, when it went through (with nothing owed it has a part's budget only), comes last.
      expect(heard.slice(0, -1).some((m) => m.type === "sessionEnded")).toBe(false);
      expect(await CarriedParts.owed(db, { sessionId, language })).toEqual([]);
    }
    expect(results.every((r) => !r.incomplete && r.languages.every((l) => l.error === undefined && l.degraded === undefined))).toBe(true);
    const kept = f.measurements.get("PublishesCarried");
    expect(kept).toBeGreaterThanOrEqual(8);
    expect(f.measurements.get("PartsCarried")).toBe(kept);
    // Coalesced: a backlog costs fewer publishes, not more (each language's messages, the end's included).
    expect(channel.length).toBeLessThan(2 * 12);
    expect(channel.some((c) => (c.message.type === "part" || c.message.type === "sessionEnded") && (c.message.carried?.length ?? 0) > 1)).toBe(true);
    expect(f.log.entries.filter((e) => e.event === "quota.publish_dropped" && e.type === "part")).toEqual([]);
    expect(f.log.entries.filter((e) => e.event === "quota.publish_carried")).toHaveLength(kept);
  });

  it("publishes a carried part without its speech, and a part kept and then retried by its batch once, as itself", async () => {
    // Prepare: one part owed to es; a publisher that lets everything through.
    const f = fakes();
    const published: ServerMessage[] = [];
    f.deps.broadcast = { publish: async (_channel, message) => void published.push(message) };
    const parts: Audience = { speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map(), broadcastListenersByLanguage: new Map([["es", ["l1"]]]) };
    const first = job(parts, { sequenceNumber: 1, part: { index: 0, last: true } });
    const earlier = { type: "part" as const, sessionId: first.sessionId, segmentId: "x-00000", sequenceNumber: 0, part: 0, lastPart: true, language: "en", text: "before", startMs: 0, endMs: 1, targetLanguage: "es", translation: "antes", audio: { url: "u", format: "audio/wav", duration: 1, timestamp: 1 } };
    await CarriedParts.keep(db, { sessionId: first.sessionId, language: "es" }, earlier);
    const sameAsFirst = { ...earlier, segmentId: "x-00001", sequenceNumber: 1, text: "hello world" };
    await CarriedParts.keep(db, { sessionId: first.sessionId, language: "es" }, sameAsFirst);
    // Act
    await runSegment(f.deps, first);
    // Assess: the earlier part without its audio, carried once; the part itself not carried by its own message.
    expect(published).toHaveLength(1);
    const message = published[0] as ServerMessage & { type: "part" };
    expect(message.carried).toEqual([{ segmentId: "x-00000", sequenceNumber: 0, part: 0, lastPart: true, language: "en", text: "before", startMs: 0, endMs: 1, targetLanguage: "es", translation: "antes" }]);
    expect(message.audio).toBeDefined();
    expect(f.measurements.get("PartsCarried")).toBe(1);
    expect(await CarriedParts.owed(db, { sessionId: first.sessionId, language: "es" })).toEqual([]);
  });

  it("publishes a part without its audio when the synthesizer's quota refuses both voices past the budget", async () => {
    // Prepare
    const f = fakes();
    f.deps.sleep = async () => undefined;
    const published: ServerMessage[] = [];
    f.deps.broadcast = { publish: async (_channel, message) => void published.push(message) };
    f.deps.synthesizer = {
      languages: f.deps.synthesizer.languages,
      synthesize: async () => {
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      },
    };
    const parts: Audience = { speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map(), broadcastListenersByLanguage: new Map([["es", ["l1"]]]) };
    // Act
    const result = await runSegment(f.deps, job(parts, { part: { index: 0, last: true } }));
    // Assess
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ type: "part", translation: "[es] hello world" });
    expect(published[0]).not.toHaveProperty("audio");
    expect(result.languages[0]).toMatchObject({ degraded: "captionsOnly" });
    expect(result.languages[0]!.quotas).toContain("synthesis");
  });

  it("fails a broadcast part, to be retried, when no publisher is configured", async () => {
    // Prepare
    const f = fakes();
    const parts: Audience = { speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map(), broadcastListenersByLanguage: new Map([["es", ["l1"]]]) };
    // Act
    const result = await runSegment(f.deps, job(parts, { part: { index: 0, last: true } }));
    // Assess
    expect(result.incomplete).toBe(true);
    expect(result.languages[0]!.error).toMatch(/no broadcast publisher is configured/);
  });

  it("never sends a whole segment to bundled listeners: they take parts only", async () => {
    // Prepare
    const f = fakes();
    const a: Audience = { ...audience(), bundledListenersByLanguage: new Map([["it", ["it-b"]]]) };
    // Act
    await runSegment(f.deps, job(a));
    // Assess
    expect(typesTo(f.sent, "it-b")).toEqual([]);
    expect(f.translations).not.toContain("it");
  });

  it("sends a bundled part without audio while speech is shed, and retries it when the post fails", async () => {
    // Prepare
    const f = fakes();
    const parts: Audience = { speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map(), bundledListenersByLanguage: new Map([["es", ["es-b", "gone-b"]]]) };
    f.gone.add("gone-b");
    const shed = job(parts, { shedAudio: true, part: { index: 0, last: true } });
    // Act
    const result = await runSegment(f.deps, shed);
    // Assess
    expect(f.sent.map((s) => s.message)).toEqual([expect.objectContaining({ type: "part", translation: "[es] hello world" })]);
    expect(f.sent[0]!.message).not.toHaveProperty("audio");
    expect(result.languages[0]).toMatchObject({ language: "es", audioShed: true });
    expect(f.syntheses).toEqual([]);
  });

  it("sends a part of a segment as its own delivery, saying which part, to the listeners given, never to the speaker", async () => {
    // Prepare: the audience of a part holds only listeners that take parts.
    const f = fakes();
    const parts: Audience = { speakers: ["spk"], listenersByLanguage: new Map([["es", ["es-p"]]]), partListenersByLanguage: new Map() };
    const first = job(parts, { text: "hello there", part: { index: 0, last: false }, endMs: 2000 });
    // Act: part 0, then the last part of the same segment, then part 0 again (a retried batch).
    await runSegment(f.deps, first);
    await runSegment(f.deps, { ...first, text: "world", startMs: 2000, endMs: 3500, part: { index: 1, last: true } });
    const again = await runSegment(f.deps, first);
    // Assess
    expect(typesTo(f.sent, "spk")).toEqual([]);
    expect(f.sent.map((s) => [s.message.type, (s.message as { part?: number }).part, (s.message as { lastPart?: boolean }).lastPart])).toEqual([
      ["transcript", 0, false],
      ["translation", 0, false],
      ["translatedAudio", 0, false],
      ["transcript", 1, true],
      ["translation", 1, true],
      ["translatedAudio", 1, true],
    ]);
    expect(f.sent[3]!.message).toMatchObject({ text: "world", startMs: 2000, endMs: 3500 });
    expect([...f.stored.keys()].map((k) => k.split("/").slice(2).join("/"))).toEqual(["translated/es/000007-part0.wav", "translated/es/000007-part1.wav"]);
    expect(again).toMatchObject({ sent: false, part: { index: 0, last: false } });
  });

  it("logs a segment nobody was connected to receive as such, not as already sent", async () => {
    const f = fakes();
    const result = await runSegment(f.deps, job({ speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map() }));
    expect(result).toMatchObject({ sent: false, incomplete: false });
    expect(f.log.entries.map((e) => e.event)).toEqual(["segment.nobody_connected"]);
  });

  it("translates a part that continues its sentence together with the words before it, and sends what it adds", async () => {
    // Prepare: a translator that, like Apertium, takes every text for a sentence and capitalizes it.
    const f = fakes();
    const asked: string[] = [];
    f.deps.translator = { pairs: [], translate: async (text) => (asked.push(text), text.charAt(0).toUpperCase() + text.slice(1)) };
    const parts: Audience = { speakers: [], listenersByLanguage: new Map([["es", ["es-p"]]]), partListenersByLanguage: new Map() };
    const glossary = [{ term: "kinesis", translations: { es: "Kinesis" } }];
    // Act
    await runSegment(f.deps, job(parts, { text: "they read it", part: { index: 0, last: false } }));
    await runSegment(f.deps, job(parts, { text: "and wrote it", part: { index: 1, last: false }, before: "they read it" }));
    await runSegment(f.deps, job(parts, { text: "kinesis keeps it", part: { index: 2, last: true }, before: "they read it and wrote it", glossary }));
    // Assess
    const translations = f.sent.filter((m) => m.message.type === "translation").map((m) => (m.message as { text: string }).text);
    expect(translations).toEqual(["They read it", "and wrote it", "Kinesis keeps it"]);
    expect(asked).toContain("they read it and wrote it");
    expect(f.measurements.get("PartContextFallbacks")).toBe(0);
  });

  it("translates a part alone, starting in lower case, when the context's translation does not lead the whole's", async () => {
    // Prepare: a translator that ends every text with two words of its own, so the context's translation is never
    // where the whole's starts; like Apertium it capitalizes a text's first word, and a name wherever it is.
    const f = fakes();
    f.deps.translator = { pairs: [], translate: async (text) => `${text.replace(/\bada\b/g, "Ada").replace(/^./, (c) => c.toUpperCase())} ok ok` };
    const parts: Audience = { speakers: [], listenersByLanguage: new Map([["es", ["es-p"]]]), partListenersByLanguage: new Map() };
    // Act
    await runSegment(f.deps, job(parts, { text: "we read it", part: { index: 1, last: false }, before: "so then" }));
    await runSegment(f.deps, job(parts, { text: "ada met us", part: { index: 2, last: true }, before: "so then we read it" }));
    // Assess: the first word in the case it has inside the sentence's translation (a name keeps its capital).
    const translations = f.sent.filter((m) => m.message.type === "translation").map((m) => (m.message as { text: string }).text);
    expect(translations).toEqual(["we read it ok ok", "Ada met us ok ok"]);
    expect(f.measurements.get("PartContextFallbacks")).toBe(2);
  });

  it("translates parts alone, a continuation in lower case and a glossary term at its start as the glossary says, when the translator asks", async () => {
    // Prepare: a translator billed by the character, its parts in context turned off.
    const f = fakes();
    const asked: string[] = [];
    f.deps.translator = { pairs: [], partsInContext: false, translate: async (text) => (asked.push(text), text.charAt(0).toUpperCase() + text.slice(1)) };
    const parts: Audience = { speakers: [], listenersByLanguage: new Map([["es", ["es-p"]]]), partListenersByLanguage: new Map() };
    const glossary = [{ term: "kinesis", translations: { es: "Kinesis" } }];
    // Act
    await runSegment(f.deps, job(parts, { text: "they read it", part: { index: 1, last: false }, before: "so" }));
    await runSegment(f.deps, job(parts, { text: "kinesis keeps it", part: { index: 2, last: true }, before: "so they read it", glossary }));
    // Assess
    const translations = f.sent.filter((m) => m.message.type === "translation").map((m) => (m.message as { text: string }).text);
    expect(translations).toEqual(["they read it", "Kinesis keeps it"]);
    expect(asked).toEqual(["they read it", "ZXQ0QXZ keeps it"]);
  });

  it("translates and synthesizes once per language with listeners, never per listener, and skips languages nobody hears", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience()));
    expect(f.translations.sort()).toEqual(["es", "fr"]);
    expect(f.syntheses.sort()).toEqual(["es", "fr"]);
    expect([...f.stored.keys()].map((k) => k.split("/").slice(2).join("/")).sort()).toEqual(["translated/es/000007.wav", "translated/fr/000007.wav"]);
  });

  it("gives a captions-only language its caption and translation and attempts no synthesis for it", async () => {
    // Prepare
    const f = fakes();
    const a = audience();
    a.listenersByLanguage.set("gl", ["gl1", "gl2"]);
    const captionsOnly = job(a, { targetLanguages: ["es", "fr", "gl"] });
    // Act
    const result = await runSegment(f.deps, captionsOnly);
    // Assess
    for (const id of ["gl1", "gl2"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation"]);
    expect(f.sent.find((s) => s.to === "gl1" && s.message.type === "translation")!.message).toMatchObject({ targetLanguage: "gl", text: "[gl] hello world" });
    expect(f.syntheses.sort()).toEqual(["es", "fr"]);
    expect([...f.stored.keys()].some((k) => k.includes("/gl/"))).toBe(false);
    for (const id of ["es1", "fr1"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
    const galician = result.languages.find((l) => l.language === "gl")!;
    expect(galician).toMatchObject({ text: "[gl] hello world", captionsOnly: true });
    expect(galician.error).toBeUndefined();
    expect(galician.url).toBeUndefined();
    expect(result.languages.find((l) => l.language === "es")!.captionsOnly).toBeUndefined();
    expect(galician.notifiedAt).toBeGreaterThan(0);
    expect(result).toMatchObject({ incomplete: false, sent: true });
    // A retried batch sends the captions-only language nothing again.
    const count = f.sent.length;
    expect(await runSegment(f.deps, { ...captionsOnly, revision: captionsOnly.revision + 1 })).toMatchObject({ sent: false, incomplete: false });
    expect(f.sent.length).toBe(count);
  });

  it("sends nothing again for a segment an earlier attempt delivered", async () => {
    const f = fakes();
    const once = job(audience());
    await runSegment(f.deps, once);
    const count = f.sent.length;
    const again = await runSegment(f.deps, { ...once, revision: once.revision + 1 });
    expect(f.sent.length).toBe(count);
    expect(again).toMatchObject({ sent: false, incomplete: false });
    expect(f.log.entries.some((e) => e.event === "segment.already_sent")).toBe(true);
  });

  it("sends nothing for an empty transcript", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience(), { text: "  " }));
    expect(f.sent).toEqual([]);
  });

  it("keeps other languages going when one fails, and the retry delivers only that one, once", async () => {
    const f = fakes();
    f.failing.add("xx");
    const a = audience();
    a.listenersByLanguage.set("xx", ["xx1"]);
    const first = job(a, { targetLanguages: ["es", "fr", "xx"] });
    const result = await runSegment(f.deps, first);
    expect(result.incomplete).toBe(true);
    expect(result.languages.find((l) => l.language === "xx")?.error).toContain("crashed");
    expect(typesTo(f.sent, "fr1")).toContain("translatedAudio");
    expect(f.log.entries.some((e) => e.event === "segment.language_failed" && e.language === "xx")).toBe(true);
    expect(f.measurements.get("DeliveryFailures")).toBe(1);
    // The batch is retried from the same checkpoint: the claim left in progress is taken over.
    f.failing.clear();
    const retry = await runSegment(f.deps, first);
    expect(retry.incomplete).toBe(false);
    expect(typesTo(f.sent, "xx1")).toEqual(["transcript", "translation", "translatedAudio"]);
    for (const id of ["es1", "fr1"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(typesTo(f.sent, "spk")).toEqual(["transcript"]);
    expect(f.measurements.get("DeliveriesRetried")).toBe(1);
  });

  it("gives a failing language up on the batch's last attempt instead of failing the batch", async () => {
    const f = fakes();
    f.failing.add("xx");
    const a = audience();
    a.listenersByLanguage.set("xx", ["xx1"]);
    const segment = job(a, { targetLanguages: ["es", "fr", "xx"] });
    // The event source invokes a batch MAX_DELIVERY_ATTEMPTS times in all: every attempt but the last asks for a retry.
    const attempts = [];
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) attempts.push(await runSegment(f.deps, segment));
    expect(attempts.map((r) => r.incomplete)).toEqual([...Array(MAX_DELIVERY_ATTEMPTS - 1).fill(true), false]);
    expect(attempts.at(-1)!.languages.find((l) => l.language === "xx")).toMatchObject({ abandoned: expect.stringContaining("crashed") });
    expect(f.measurements.get("DeliveriesAbandoned")).toBe(1);
    expect(f.log.entries.filter((e) => e.event === "delivery.abandoned")).toHaveLength(1);
    // Everybody else got the segment once.
    for (const id of ["es1", "fr1"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
  });

  it("delivers once what a crashed attempt claimed but never sent", async () => {
    const f = fakes();
    const crash = new Error("environment killed");
    const crashing = {
      ...f.deps,
      probe: (point: string, detail: { recipients?: string; part?: string }) => {
        if (point === "delivery.claimed" && detail.recipients === "es" && detail.part === "caption") throw crash;
      },
    };
    const once = job(audience());
    await runSegment(crashing, once);
    expect(typesTo(f.sent, "es1")).toEqual([]);
    await runSegment(f.deps, once);
    for (const id of ["es1", "es2", "fr1"]) expect(typesTo(f.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(typesTo(f.sent, "spk")).toEqual(["transcript"]);
  });

  it("writes 3 claims and 1 completion for a voiced part and language: each claim proves the part before it sent", async () => {
    const f = fakes();
    const once = job({ speakers: [], listenersByLanguage: new Map([["es", ["es1"]]]), partListenersByLanguage: new Map() });
    await runSegment(f.deps, once);
    const { data: rows } = await db.entities.delivery.query.byId({ sessionId: once.sessionId }).go();
    const status = Object.fromEntries(rows.map((r) => [r.part, r.status]));
    expect(status).toEqual({ caption: "in_progress", translation: "in_progress", audio: "done" });
    expect(typesTo(f.sent, "es1")).toEqual(["transcript", "translation", "translatedAudio"]);
  });

  it("after a crash past the audio's claim, a retry sends the audio only: the caption and translation were proven sent", async () => {
    const f = fakes();
    const crashing = {
      ...f.deps,
      probe: (point: string, detail: { recipients?: string; part?: string }) => {
        if (point === "delivery.claimed" && detail.recipients === "es" && detail.part === "audio") throw new Error("environment killed");
      },
    };
    const once = job({ speakers: [], listenersByLanguage: new Map([["es", ["es1"]]]), partListenersByLanguage: new Map() });
    await runSegment(crashing, once).catch(() => undefined);
    expect(typesTo(f.sent, "es1")).toEqual(["transcript", "translation"]);
    await runSegment(f.deps, { ...once, revision: once.revision + 1 });
    expect(typesTo(f.sent, "es1")).toEqual(["transcript", "translation", "translatedAudio"]);
  });

  it("leaves a delivery alone while a newer attempt holds it", async () => {
    const f = fakes();
    const held = job({ speakers: [], listenersByLanguage: new Map([["es", ["es1"]]]), partListenersByLanguage: new Map() });
    expect(await claimDelivery(db, { sessionId: held.sessionId, sequenceNumber: 7, recipients: "es", part: "caption" }, held.revision + 1)).toMatchObject({ status: "claimed" });
    const result = await runSegment(f.deps, held);
    expect(result.incomplete).toBe(true);
    expect(f.sent).toEqual([]);
    expect(f.log.entries.some((e) => e.event === "delivery.busy")).toBe(true);
  });

  it("keeps a transcript segment in every target language when the session asks, listened to or not", async () => {
    const f = fakes();
    const j = job({ speakers: ["spk"], listenersByLanguage: new Map([["es", ["es1"]]]), partListenersByLanguage: new Map() }, { keepTranscript: true, targetLanguages: ["es", "fr"] });
    await runSegment(f.deps, j);
    const { data } = await db.entities.transcriptSegment.get({ sessionId: j.sessionId, sequenceNumber: j.sequenceNumber }).go();
    expect(data).toMatchObject({ startMs: 1000, endMs: 3500, text: "hello world", translations: { es: "[es] hello world", fr: "[fr] hello world" } });
    // Spanish was translated once, for its listener; French, which nobody hears, for the transcript only: no speech.
    expect(f.translations.sort()).toEqual(["es", "fr"]);
    expect(f.syntheses).toEqual(["es"]);
    // Without the opt-in nothing is kept.
    const plain = job({ speakers: ["spk"], listenersByLanguage: new Map([["es", ["es1"]]]), partListenersByLanguage: new Map() });
    await runSegment(f.deps, plain);
    expect((await db.entities.transcriptSegment.get({ sessionId: plain.sessionId, sequenceNumber: plain.sequenceNumber }).go()).data).toBeNull();
  });

  it("holds every translation to the session's glossary", async () => {
    const f = fakes();
    const j = job(audience(), { text: "The stream of kinesis data.", glossary: [{ term: "Kinesis", translations: { es: "KINESIS-ES" } }, { term: "stream", translations: {} }] });
    await runSegment(f.deps, j);
    const text = (to: string) => (f.sent.find((s) => s.to === to && s.message.type === "translation")!.message as { text: string }).text;
    expect(text("es1")).toBe("[es] The stream of KINESIS-ES data.");
    // French has no translation of "Kinesis": kept as written in the glossary.
    expect(text("fr1")).toBe("[fr] The stream of Kinesis data.");
  });

  it("forgets connections that are gone", async () => {
    const f = fakes();
    const j = job(audience());
    const connectedAt = Date.now();
    await db.entities.connection.put({ connectionId: "es2", sessionId: j.sessionId, role: "listener", language: "es", connectedAt, expiresAt: expiresAt(connectedAt) }).go();
    f.gone.add("es2");
    await runSegment(f.deps, j);
    expect(await Connection.get(db, "es2")).toBeUndefined();
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

  it("logs nothing that was said, at any level, in the source or any translation", async () => {
    const f = fakes();
    await runSegment(f.deps, job(audience()));
    expect(f.sent.some((s) => JSON.stringify(s.message).includes("hello world"))).toBe(true);
    expect(f.log.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(f.log.entries)).not.toMatch(/hello|world/);
  });
});

describe("announceEnd", () => {
  it("tells every connection and every language's broadcast channel that the session ended; a failed publish costs nobody else", async () => {
    // Prepare
    const f = fakes();
    const published: string[] = [];
    f.deps.broadcast = {
      async publish(channel, message) {
        if (channel.language === "fr") throw new Error("throttled");
        published.push(`${channel.sessionId}/${channel.language} ${message.type}`);
      },
    };
    const everyone: Audience = { ...audience(), bundledListenersByLanguage: new Map([["it", ["it-b"]]]), broadcastListenersByLanguage: new Map([["es", ["l1"]]]) };
    // Act
    await announceEnd(f.deps, Audience.everyone(everyone), { sessionId: "brave-fox-9", targetLanguages: ["es", "fr", "it"] });
    // Assess
    expect(f.sent.map((s) => s.to).sort()).toEqual(["es1", "es2", "fr1", "it-b", "spk"]);
    expect(f.sent.every((s) => s.message.type === "sessionEnded")).toBe(true);
    expect(published).toEqual(["brave-fox-9/es sessionEnded", "brave-fox-9/it sessionEnded"]);
    expect(f.measurements.get("BroadcastFailures")).toBe(1);
  });

  it("carries the parts a channel still owes with its end, waiting longer for the quota; an end refused even so counts them lost", async () => {
    // Prepare: es owes two parts, fr one; IoT Core lets es through only past a part's budget, never fr.
    const f = fakes();
    f.deps.sleep = async () => undefined;
    const sessionId = `brave-fox-${++sessions}`;
    const part = (language: string, sequenceNumber: number) =>
      ({ type: "part", sessionId, segmentId: `${sessionId}-${sequenceNumber}`, sequenceNumber, part: 0, lastPart: true, language: "en", text: `t${sequenceNumber}`, startMs: 0, endMs: 1, targetLanguage: language }) as const;
    await CarriedParts.keep(db, { sessionId, language: "es" }, part("es", 2));
    await CarriedParts.keep(db, { sessionId, language: "es" }, part("es", 1));
    await CarriedParts.keep(db, { sessionId, language: "fr" }, part("fr", 1));
    const published: ServerMessage[] = [];
    let esAttempts = 0;
    f.deps.broadcast = {
      async publish(channel, message) {
        if (channel.language === "fr" || ++esAttempts <= CAPTION_RETRY.attempts) throw throttled();
        published.push(message);
      },
    };
    // Act
    await announceEnd(f.deps, [], { sessionId, targetLanguages: ["es", "fr"] });
    // Assess
    expect(published.flatMap(messagesIn).map((m) => `${m.type} ${"sequenceNumber" in m ? m.sequenceNumber : ""}`)).toEqual(["part 1", "part 2", "sessionEnded "]);
    expect(await CarriedParts.owed(db, { sessionId, language: "es" })).toEqual([]);
    expect(f.measurements.get("PartsCarried")).toBe(2);
    expect(f.measurements.get("CarriedPartsLost")).toBe(1);
    expect(f.log.entries.find((e) => e.event === "broadcast.failed")).toMatchObject({ language: "fr", carriedLost: 1 });
  });
});
