import { type KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pcmToBase64 } from "../../audio/index.ts";
import { createKinesisClient } from "../../adapters/aws/clients.ts";
import { encodeIngestRecord, KinesisIngestReplay } from "../../adapters/aws/kinesis.ts";
import { limitedRecognizer, throttledPublisher, throttledSynthesizer, TokenBucket } from "../../adapters/quota/index.ts";
import { Admission } from "../../domain/admission/index.ts";
import { Audience } from "../../domain/audience/index.ts";
import { Broadcast } from "../../domain/broadcast/index.ts";
import { Connection } from "../../domain/connection/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { memoryLog } from "../../log.ts";
import { memoryMeasurements } from "../../adapters/memory/index.ts";
import type { BroadcastPublisher, CustomVocabularies, HeardWord, IngestRecord, PositionedRecord, RecognitionStream, SpeechRecognizer, SpeechSynthesizer, VoiceActivityDetector } from "../../ports/index.ts";
import { type Glossary, messagesIn, placeInTalk, type ServerMessage } from "../../protocol/index.ts";
import { CreateVocabularyCommand, DeleteVocabularyCommand, GetVocabularyCommand, ListVocabulariesCommand, TranscribeClient } from "@aws-sdk/client-transcribe";
import { mockClient } from "aws-sdk-client-mock";
import { TranscribeVocabularies } from "../../adapters/aws/transcribe-vocabularies.ts";
import { PocketsphinxRecognizer } from "../../adapters/engines/pocketsphinx.ts";
import { pronouncer } from "../../adapters/engines/pronunciation.ts";
import { EspeakSynthesizer } from "../../adapters/engines/espeak.ts";
import { requestVocabulary } from "../../domain/glossary/index.ts";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { Session } from "../../domain/session/index.ts";
import { LabellingTranslator, MemoryAudioStore, RecordingNotifier, TextSynthesizer } from "@livetranslate/testing/fakes";
import { ensureStream, splitShard, type StandIn, startKinesalite } from "@livetranslate/testing/standins";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { SileroVoiceActivity } from "../../adapters/vad/silero.ts";
import { assembleTalk, chunksOf, clipsWithNames, englishClips, untranscribedClips } from "@livetranslate/testing/fixtures";
import type { SegmenterOptions } from "../segmenter/index.ts";
import { Checkpoint } from "./checkpoint.ts";
import { CheckpointFromNewerCodeError, StreamConsumer } from "./index.ts";
import { MAX_END_WAIT_MS } from "./chunk-order.ts";
import type { Probe } from "../pipeline/index.ts";

/**
 * Recognizes "speech" as the number of samples it heard in a segment and its first sample's value, so every
 * transcript names its audio, and where in it the stream was told of pauses between phrases (a pause at the very
 * end ends the last phrase, as the segment's end does: not named).
 */
function countingRecognizer(): SpeechRecognizer & { streams: number } {
  const recognizer = {
    languages: ["en"],
    streams: 0,
    startStream() {
      recognizer.streams++;
      let samples = 0;
      let first: number | undefined;
      let pauses: number[] = [];
      const heard = () => `heard ${samples} from ${first} pauses ${pauses.filter((p) => p < samples).join(",")}`;
      return {
        async write(pcm: Int16Array) {
          first ??= pcm[0];
          samples += pcm.length;
          return heard();
        },
        async endSegment(endSample?: number) {
          if (endSample !== undefined) samples = Math.min(samples, endSample);
          const text = heard();
          samples = 0;
          first = undefined;
          pauses = [];
          return text;
        },
        async pause() {
          if (pauses.at(-1) !== samples) pauses.push(samples);
          return "";
        },
        async phraseWords() {
          return [];
        },
        async end() {},
        abort() {},
      };
    },
  };
  return recognizer;
}

/**
 * Hears a word every 1 600 samples of a phrase, named after where it ends in the segment ("4800w"), every fourth one
 * "and" (a clause opener); a phrase's final text is its words, and the segment's its phrases' (up to the cut, for a
 * segment ended short of what was heard). Words are not marked stable: the consumer judges them by successive
 * hypotheses.
 */
function clausingRecognizer(): SpeechRecognizer & { streams: number } {
  const recognizer = {
    languages: ["en"],
    streams: 0,
    startStream(): RecognitionStream {
      recognizer.streams++;
      let samples = 0;
      let phraseStart = 0;
      let phrases: HeardWord[][] = [];
      const words = (): HeardWord[] =>
        Array.from({ length: Math.floor((samples - phraseStart) / 1600) }, (_, i) => {
          const endSample = phraseStart + (i + 1) * 1600;
          return { text: (i + 1) % 4 === 0 ? "and" : `${endSample}w`, endSample };
        });
      const textOf = (heard: HeardWord[]) => heard.map((w) => w.text).join(" ");
      return {
        async write(pcm: Int16Array) {
          samples += pcm.length;
          return textOf([...phrases.flat(), ...words()]);
        },
        async pause() {
          const phrase = words();
          phrases.push(phrase);
          phraseStart = samples;
          return textOf(phrase);
        },
        async phraseWords() {
          return words();
        },
        async endSegment(endSample = samples) {
          // A word's middle is 800 samples before its end.
          const text = textOf([...phrases.flat(), ...words()].filter((w) => w.endSample - 800 < endSample));
          samples = phraseStart = 0;
          phrases = [];
          return text;
        },
        async end() {},
        abort() {},
      };
    },
  };
  return recognizer;
}

/**
 * Recognizes each phrase (audio between two pauses) as three words naming how many samples of the segment were heard
 * when it ended, so a part's text says where it ends, and the segment's text is its phrases' in order. With
 * `shortAfterFirst`, streams after the first hear each phrase as two words (too few to go alone), so a replay cuts
 * parts elsewhere.
 */
function phrasingRecognizer({ shortAfterFirst = false } = {}): SpeechRecognizer & { streams: number } {
  const recognizer = {
    languages: ["en"],
    streams: 0,
    startStream() {
      recognizer.streams++;
      const short = shortAfterFirst && recognizer.streams > 1;
      let samples = 0;
      let phrases: string[] = [];
      let open = false;
      const phrase = () => (short ? `${samples}a ${samples}b` : `${samples}a ${samples}b ${samples}c`);
      return {
        async write(pcm: Int16Array) {
          samples += pcm.length;
          open = true;
          return [...phrases, phrase()].join(" ");
        },
        async pause() {
          if (!open) return "";
          open = false;
          phrases.push(phrase());
          return phrases.at(-1)!;
        },
        async endSegment() {
          if (open) phrases.push(phrase());
          const text = phrases.join(" ");
          samples = 0;
          phrases = [];
          open = false;
          return text;
        },
        async phraseWords() {
          return [];
        },
        async end() {},
        abort() {},
      };
    },
  };
  return recognizer;
}

describe("StreamConsumer on dynalite and kinesalite with real speech", () => {
  let dynamo: TestTable;
  let kinesis: StandIn;
  let db: Db;
  let kinesisClient: KinesisClient;
  const talk = assembleTalk(untranscribedClips().slice(0, 3).map((file) => ({ file })), 1000);

  beforeAll(async () => {
    [dynamo, kinesis] = await Promise.all([startTestTable("consumer"), startKinesalite()]);
    db = dynamo.db;
    kinesisClient = createKinesisClient(kinesis);
    await ensureStream(kinesisClient, "audio", 2);
  });
  afterAll(() => Promise.all([dynamo.close(), kinesis.close()]));

  /** Puts records on the stream as the ingest handler does, and returns them as the consumer receives them. */
  async function publish(records: readonly IngestRecord[]): Promise<PositionedRecord[]> {
    const positioned: PositionedRecord[] = [];
    for (const record of records) {
      const { ShardId, SequenceNumber } = await kinesisClient.send(
        new PutRecordCommand({ StreamName: "audio", PartitionKey: record.sessionId, Data: encodeIngestRecord(record) }),
      );
      positioned.push({ ...record, position: { shardId: ShardId!, sequenceNumber: SequenceNumber! } });
    }
    return positioned;
  }

  async function setup(
    segmenterOptions: Partial<SegmenterOptions> = {},
    voiceActivity?: VoiceActivityDetector,
    spoken = talk,
    {
      recognizer = countingRecognizer(),
      partsListener = false,
      glossary,
      vocabularies,
      underQuota = (synthesizer) => synthesizer,
      splitAfter,
      sleep = async () => undefined,
      broadcast,
    }: {
      recognizer?: SpeechRecognizer & { streams?: number };
      partsListener?: boolean;
      glossary?: Glossary;
      vocabularies?: CustomVocabularies;
      underQuota?: (synthesizer: SpeechSynthesizer) => SpeechSynthesizer;
      splitAfter?: number;
      sleep?: (ms: number) => Promise<void>;
      /** Publishes to a French listener by broadcast, who joins the session. */
      broadcast?: BroadcastPublisher;
    } = {},
  ) {
    const { sessionId, speakerToken } = await Session.create(db, { source: ["en"], target: ["es", "fr", "it"] }, { sourceLanguage: "en", targetLanguages: ["es", "fr", "it"], glossary });
    await Connection.join(db, "speaker", { sessionId, role: "speaker", token: speakerToken });
    await Connection.join(db, "es-1", { sessionId, role: "listener", language: "es" });
    await Connection.join(db, "fr-1", { sessionId, role: "listener", language: "fr" });
    if (partsListener) await Connection.join(db, "es-parts", { sessionId, role: "listener", language: "es", parts: "1" });
    if (broadcast) await Broadcast.join(db, { sessionId, language: "fr" });
    const notifier = new RecordingNotifier();
    const sent = notifier.sent;
    const translator = new LabellingTranslator();
    const voices = new TextSynthesizer(["es", "fr", "it"]);
    const synthesized = voices.spoken;
    const synthesizer = underQuota(voices);
    const audioStore = new MemoryAudioStore();
    const log = memoryLog();
    const measurements = memoryMeasurements();
    const replay = new KinesisIngestReplay({ client: kinesisClient, streamName: "audio" });
    let probe: Probe = () => undefined;
    const probeOnce: Probe = (...args) => probe(...args);
    const consumer = (now?: () => number) =>
      // A throttled call's retries do not wait here (the waits are the pipeline's quota budget, tested on their own).
      new StreamConsumer({ db, recognizer, vocabularies, replay, translator, synthesizer, audioStore, notifier, broadcast, log, measurements, segmenterOptions, voiceActivity, now, sleep, probe: probeOnce });
    // Ingested "now" onwards: a consumer on the real clock runs ahead of real time, as one keeping up does.
    const base = Date.now();
    const chunks: IngestRecord[] = [...chunksOf(spoken.pcm, 100)].map((pcm, chunkIndex) => ({
      kind: "chunk",
      sessionId,
      chunkIndex,
      capturedAt: base + chunkIndex * 100,
      ingestedAt: base + chunkIndex * 100 + 130,
      audioData: pcmToBase64(pcm),
    }));
    const records = await publish(chunks.slice(0, splitAfter));
    if (splitAfter !== undefined) {
      // The shard the session's records went to splits: the rest go to one of its children.
      await splitShard(kinesisClient, "audio", records[0]!.position.shardId);
      records.push(...(await publish(chunks.slice(splitAfter))));
    }
    const finals = (to = "es-1") => sent.filter((s) => s.to === to && s.message.type === "transcript").map((s) => s.message as Extract<ServerMessage, { type: "transcript" }>);
    const onProbe = (p: Probe) => (probe = p);
    return { sessionId, sent, synthesized, recognizer, log, measurements, consumer, records, finals, onProbe };
  }

  /** Batches of `batch` records, the consumer's clock set to just after the last one's ingest (keeping up). */
  async function feedInRealTime(consumer: StreamConsumer, sessionId: string, records: PositionedRecord[], batch: number, setClock: (at: number) => void) {
    for (let at = 0; at < records.length; at += batch) {
      const slice = records.slice(at, at + batch);
      const last = slice.at(-1)!;
      setClock((last.kind === "chunk" ? last.ingestedAt : Date.now()) + 50);
      await consumer.consumeSession(sessionId, slice);
    }
  }

  const RANDOM_ENVIRONMENTS = 4;

  async function feed(consumer: StreamConsumer, sessionId: string, records: PositionedRecord[], batch = 5) {
    for (let at = 0; at < records.length; at += batch) await consumer.consumeSession(sessionId, records.slice(at, at + batch));
  }

  /**
   * Batches of 3 records, each to one of `RANDOM_ENVIRONMENTS` environments picked by a seeded generator (what Lambda
   * may do); returns how many batches there were.
   */
  async function feedAtRandom(run: { consumer: () => StreamConsumer; sessionId: string; records: PositionedRecord[] }, seed: number): Promise<number> {
    const environments = Array.from({ length: RANDOM_ENVIRONMENTS }, () => run.consumer());
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let batches = 0;
    for (let at = 0; at < run.records.length; at += 3, batches++) {
      await environments[Math.floor(random() * environments.length)]!.consumeSession(run.sessionId, run.records.slice(at, at + 3));
    }
    return batches;
  }

  it("turns a talk into one caption, translation and audio per segment and listener language", async () => {
    // Prepare
    const t = await setup();
    // Act
    await feed(t.consumer(), t.sessionId, t.records);
    // Assess
    const finals = t.finals();
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(finals.map((f) => f.sequenceNumber)).toEqual(finals.map((_, i) => i + 1));
    for (const to of ["es-1", "fr-1"]) {
      const types = t.sent.filter((s) => s.to === to).map((s) => s.message.type);
      expect(types.filter((x) => x === "translation").length).toBe(finals.length);
      expect(types.filter((x) => x === "translatedAudio").length).toBe(finals.length);
    }
    // Nobody listens to Italian: no synthesis for it.
    expect(t.synthesized.filter((l) => l === "it")).toEqual([]);
    // The recognizer was told of the pauses inside sentences (the talk's clips have commas).
    expect(finals.filter((f) => /pauses \d/.test(f.text)).length).toBeGreaterThan(0);
    // The live stream heard each segment exactly: "heard N" matches the segment's length.
    for (const f of finals) {
      const heard = Number(f.text.split(" ")[1]);
      expect(heard).toBeGreaterThanOrEqual(((f.endMs - f.startMs) * 16) - 16);
    }
    // The speaker got interim transcripts and a listener count.
    const toSpeaker = t.sent.filter((s) => s.to === "speaker").map((s) => s.message);
    expect(toSpeaker.some((m) => m.type === "transcript" && !m.isFinal)).toBe(true);
    expect(toSpeaker.find((m) => m.type === "sessionStatus")).toMatchObject({ listeners: { es: 1, fr: 1 } });
    // Stage timestamps: speech end on the speaker's clock precedes closing, which precedes notifying.
    const done = t.log.entries.filter((e) => e.event === "segment.done");
    for (const entry of done) {
      const times = entry.times as Record<string, number>;
      expect(times.speechEndCapturedAt).toBeLessThanOrEqual(times.ingestedAt!);
      expect(times.closedAt).toBeLessThanOrEqual(times.notifiedAt!);
    }
  });

  it("behind real time, sheds interims and then translated speech, never captions, tells the speaker, and recovers", async () => {
    const t = await setup({}, undefined, talk, { recognizer: phrasingRecognizer(), partsListener: true });
    // The clock each batch starts at: far behind, then less, then caught up (the consumer's own clock, not the test's speed).
    let clock = 0;
    const consumer = t.consumer(() => clock);
    const batches = Math.ceil(t.records.length / 5);
    const lagOf = (batch: number) => (batch < batches * 0.4 ? 9_000 : batch < batches * 0.6 ? 3_500 : 200);
    const statusAt: { batch: number; message: Extract<ServerMessage, { type: "sessionStatus" }> }[] = [];
    const interimsAt: number[] = [];
    for (let b = 0; b < batches; b++) {
      const batch = t.records.slice(b * 5, b * 5 + 5);
      const newest = Math.max(...batch.map((r) => (r.kind === "chunk" ? r.ingestedAt : 0)));
      clock = newest + lagOf(b);
      const before = t.sent.length;
      await consumer.consumeSession(t.sessionId, batch);
      for (const { to, message } of t.sent.slice(before)) {
        if (to !== "speaker") continue;
        // While behind, every status carries the lag; keep the changes.
        if (message.type === "sessionStatus" && message.shedding && JSON.stringify(message.shedding) !== JSON.stringify(statusAt.at(-1)?.message.shedding)) {
          statusAt.push({ batch: b, message });
        }
        if (message.type === "transcript" && !message.isFinal) interimsAt.push(b);
      }
    }
    // The speaker was told at each change (and every second while behind): audio and interims shed, then interims only, then nothing.
    expect(statusAt.map((s) => [s.message.overloaded, s.message.shedding])).toEqual([
      [true, ["interim", "audio"]],
      [true, ["interim"]],
      [false, []],
    ]);
    expect(statusAt[0]!.message.lagMs).toBe(9_000);
    // No interim while interims were shed; interims again after recovery.
    const recoveredAt = statusAt[2]!.batch;
    expect(interimsAt.filter((b) => b < recoveredAt)).toEqual([]);
    expect(interimsAt.some((b) => b >= recoveredAt)).toBe(true);
    // Every segment got its caption and translation; segments closed while shedding audio got no translated speech.
    const finals = t.finals();
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    const messages = (type: string) => t.sent.filter((s) => s.to === "es-1" && s.message.type === type).map((s) => (s.message as { segmentId: string }).segmentId);
    expect(messages("translation").sort()).toEqual(finals.map((f) => f.segmentId).sort());
    // Parts were shed with the interims (their words went out when the segment closed): the parts listener lost nothing.
    expect(t.measurements.get("PartsShed")).toBeGreaterThan(0);
    for (const f of finals) expect(t.finals("es-parts").filter((p) => p.segmentId === f.segmentId).map((p) => p.text).join(" ")).toBe(f.text);
    const shed = t.log.entries.filter((e) => e.event === "segment.done" && (e.languages as { audioShed?: boolean }[]).some((l) => l.audioShed));
    expect(shed.length).toBeGreaterThan(0);
    expect(messages("translatedAudio").length).toBe(finals.length - shed.length);
    expect(t.measurements.get("OverloadEntered")).toBe(1);
    expect(t.log.entries.filter((e) => e.event === "consumer.load").map((e) => e.to)).toEqual([2, 1, 0]);
  });

  it("loses and repeats no word of a segment whose parts were shed for a while and then not", async () => {
    // Prepare: a first run finds the batches where a segment's first part goes out early; a second run is behind
    // real time for exactly those batches (its first pause is shed), and caught up again for the next pause.
    const firstPartAt = new Set<number>();
    const probe = await setup({}, undefined, talk, { recognizer: phrasingRecognizer(), partsListener: true });
    const probing = probe.consumer();
    const seen = new Set<string>();
    for (let b = 0; b * 3 < probe.records.length; b++) {
      const before = probe.sent.length;
      await probing.consumeSession(probe.sessionId, probe.records.slice(b * 3, b * 3 + 3));
      for (const { to, message } of probe.sent.slice(before)) {
        if (to !== "es-parts" || message.type !== "transcript" || message.lastPart !== false || seen.has(message.segmentId)) continue;
        seen.add(message.segmentId);
        firstPartAt.add(b);
      }
    }
    expect(firstPartAt.size).toBeGreaterThan(0);
    const t = await setup({}, undefined, talk, { recognizer: phrasingRecognizer(), partsListener: true });
    let clock = 0;
    const consumer = t.consumer(() => clock);
    // Act
    for (let b = 0; b * 3 < t.records.length; b++) {
      const batch = t.records.slice(b * 3, b * 3 + 3);
      clock = Math.max(...batch.map((r) => (r.kind === "chunk" ? r.ingestedAt : 0))) + (firstPartAt.has(b) ? 3_500 : 200);
      await consumer.consumeSession(t.sessionId, batch);
    }
    // Assess: those pauses were shed, and each segment's parts are still its text, no word lost or repeated.
    expect(t.measurements.get("PartsShed")).toBe(firstPartAt.size);
    const parts = t.finals("es-parts");
    for (const f of t.finals()) expect(parts.filter((p) => p.segmentId === f.segmentId).map((p) => p.text).join(" ")).toBe(f.text);
  });

  it("streams even segments cut at the maximum length, so no segment is transcribed twice", async () => {
    const t = await setup({ maxSegmentMs: 3000, cutSearchMs: 1000, longSegmentMs: 60_000 });
    await feed(t.consumer(), t.sessionId, t.records);
    const finals = t.finals();
    const cuts = finals.filter((f, i) => finals[i + 1]?.startMs === f.endMs);
    expect(cuts.length).toBeGreaterThan(0);
    for (const f of cuts) expect(Number(f.text.split(" ")[1])).toBe(Math.round((f.endMs - f.startMs) * 16));
    // One recognizer stream per segment (plus at most one still open): nothing re-transcribed.
    expect(t.recognizer.streams).toBeLessThanOrEqual(finals.length + 1);
  });

  it("sends nothing twice when a batch is redelivered or chunks are resent", async () => {
    const t = await setup();
    const consumer = t.consumer();
    await feed(consumer, t.sessionId, t.records.slice(0, 120));
    // A retried batch and a reconnecting speaker's resend of the last 40 chunks (new records on the stream).
    await feed(consumer, t.sessionId, t.records.slice(100, 120));
    await feed(consumer, t.sessionId, await publish(t.records.slice(80, 120).map(({ position: _, ...record }) => record)));
    await feed(consumer, t.sessionId, t.records.slice(120));
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs])).toEqual(
      once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs]),
    );
    expect(t.log.entries.some((e) => e.event === "consumer.duplicate_chunks")).toBe(true);
  });

  it("tells the speaker, logs and counts when its chunks reuse indexes consumed long ago, once per batch", async () => {
    // Prepare: 8 s of talk consumed; then a client that numbered afresh sends 2 s more as chunks 0 to 19.
    const t = await setup();
    const consumed = t.records.slice(0, 80);
    await feed(t.consumer(), t.sessionId, consumed);
    const last = consumed.at(-1)! as Extract<PositionedRecord, { kind: "chunk" }>;
    const renumbered = await publish(
      t.records.slice(80, 100).map((r, i) => {
        const { position: _, ...chunk } = r as Extract<PositionedRecord, { kind: "chunk" }>;
        return { ...chunk, chunkIndex: i, capturedAt: last.capturedAt + 60_000 + i * 100 };
      }),
    );
    const before = t.sent.length;
    // Act: two batches of them, and a resend of recent chunks (captured before the newest one consumed), harmless.
    const consumer = t.consumer();
    await feed(consumer, t.sessionId, renumbered, 10);
    await consumer.consumeSession(t.sessionId, consumed.slice(-5));
    // Assess
    const told = t.sent.slice(before).filter((s) => s.message.type === "error");
    expect(told).toEqual([
      { to: "speaker", message: expect.objectContaining({ type: "error", code: "chunk_index_reused", nextChunkIndex: 80 }) },
      { to: "speaker", message: expect.objectContaining({ type: "error", code: "chunk_index_reused", nextChunkIndex: 80 }) },
    ]);
    expect(t.log.entries.filter((e) => e.event === "consumer.chunk_index_reused").map((e) => [e.level, e.chunks])).toEqual([
      ["warn", 10],
      ["warn", 10],
    ]);
    expect(t.measurements.get("ChunkIndexesReused")).toBe(20);
  });

  it("never moves its replay range back for a redelivered batch of old records, so a new environment can rebuild after it", async () => {
    // Prepare
    const t = await setup();
    await feed(t.consumer(), t.sessionId, t.records.slice(0, 40));
    // Act: an old batch again (duplicates only), then the next batch in a new execution environment.
    await t.consumer().consumeSession(t.sessionId, t.records.slice(10, 15));
    await feed(t.consumer(), t.sessionId, t.records.slice(40));
    // Assess
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text]));
  });

  it("leaves a checkpoint written by newer code alone (a rollback, a deploy switching over) and has the batch retried", async () => {
    // Prepare: newer code wrote the checkpoint, in a schema this code does not know.
    const t = await setup();
    await feed(t.consumer(), t.sessionId, t.records.slice(0, 20));
    const checkpoints = Checkpoint.entity(db.config);
    await checkpoints.patch({ sessionId: t.sessionId }).set({ schema: Checkpoint.SCHEMA + 1 }).go();
    const before = await Checkpoint.read(checkpoints, t.sessionId);
    // Act
    const refused = await t.consumer().consumeSession(t.sessionId, t.records.slice(20, 25)).catch((error: unknown) => error);
    // Assess: nothing written over it; logged and counted; the retry in code that knows the schema carries on.
    expect(refused).toBeInstanceOf(CheckpointFromNewerCodeError);
    expect(await Checkpoint.read(checkpoints, t.sessionId)).toEqual(before);
    expect(t.log.entries.find((e) => e.event === "consumer.checkpoint_newer")).toMatchObject({ level: "warn", schema: Checkpoint.SCHEMA + 1 });
    expect(t.measurements.get("CheckpointsFromNewerCode")).toBe(1);
    await checkpoints.patch({ sessionId: t.sessionId }).set({ schema: Checkpoint.SCHEMA }).go();
    await feed(t.consumer(), t.sessionId, t.records.slice(20));
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text]));
  });

  it("rebuilds a segment whose records span a shard split (the on-demand stream splits shards as it grows)", async () => {
    // Prepare: the shard splits in the middle of the second utterance.
    const splitAfter = Math.round((talk.utterances[1]!.startMs + 1000) / 100);
    const t = await setup({}, undefined, talk, { splitAfter });
    expect(t.records[splitAfter]!.position.shardId).not.toBe(t.records[0]!.position.shardId);
    // Act: batches at random over four environments, each rebuilding what it missed from the stream.
    await feedAtRandom(t, 7);
    // Assess
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records, 3);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text]));
    expect(t.measurements.get("StreamReplays")).toBeGreaterThan(0);
  });

  it("picks up where it left off in a new execution environment, replaying the open segment from the stream", async () => {
    const t = await setup();
    // A fresh consumer (empty memory) for every batch.
    for (let at = 0; at < t.records.length; at += 7) {
      await t.consumer().consumeSession(t.sessionId, t.records.slice(at, at + 7));
    }
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records, 7);
    expect(t.finals().map((f) => [f.startMs, f.endMs])).toEqual(once.finals().map((f) => [f.startMs, f.endMs]));
    // The replayed stream heard exactly each segment: nothing lost, nothing heard twice.
    for (const f of t.finals()) expect(Number(f.text.split(" ")[1])).toBeGreaterThanOrEqual(Math.round((f.endMs - f.startMs) * 16));
    for (const f of t.finals()) expect(Number(f.text.split(" ")[1])).toBe(Number(once.finals().find((o) => o.sequenceNumber === f.sequenceNumber)!.text.split(" ")[1]));
    expect(t.log.entries.filter((e) => e.event === "consumer.replayed").length).toBeGreaterThan(10);
    expect(t.measurements.get("StreamReplays")).toBeGreaterThan(10);
  });

  it("after a move mid-segment, replays the open segment into a new stream once, then streams on", async () => {
    const t = await setup();
    // Mid-segment, the session moves to another environment, which then keeps it.
    const moveAt = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > talk.utterances[1]!.startMs + 300);
    await feed(t.consumer(), t.sessionId, t.records.slice(0, moveAt), 3);
    await feed(t.consumer(), t.sessionId, t.records.slice(moveAt), 3);
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records, 3);
    expect(t.finals().map((f) => [f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.startMs, f.endMs, f.text]));
    expect(t.measurements.get("StreamReplays")).toBe(1);
    expect(t.measurements.get("RecognizerReplays")).toBe(1);
    // One request in each environment, each carrying every segment it heard.
    expect(once.measurements.get("RecognizerRequests")).toBe(1);
    expect(t.measurements.get("RecognizerRequests")).toBe(2);
  });

  it("keeps one recognizer request across segments while the same environment gets the batches, ending it with the session", async () => {
    const t = await setup();
    const cut = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > talk.utterances.at(-1)!.endMs + 800);
    const end = await publish([{ kind: "end", sessionId: t.sessionId, ingestedAt: Date.now() }]);
    await feed(t.consumer(), t.sessionId, [...t.records.slice(0, cut), ...end]);
    const finals = t.finals();
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(t.recognizer.streams).toBe(1);
    expect(t.measurements.get("RecognizerRequests")).toBe(1);
    // Each segment's text is what the stream heard of that segment alone: its own length, from its own first sample.
    for (const f of finals) {
      const [, heard, , first] = f.text.split(" ");
      expect(Number(heard)).toBe(Math.round((f.endMs - f.startMs) * 16));
      expect(Number(first)).toBe(talk.pcm[Math.round(f.startMs * 16)]);
    }
    // Ended with the session, billed once for the audio of every segment (at least 15 s, as Transcribe bills).
    const audio = finals.reduce((n, f) => n + (f.endMs - f.startMs) / 1000, 0);
    expect(t.measurements.get("RecognizerAudioSeconds")).toBeCloseTo(audio, 1);
    expect(t.measurements.get("RecognizerBilledSeconds")).toBe(Math.max(15, Math.ceil(t.measurements.get("RecognizerAudioSeconds"))));
  });

  it("ends the stream after a long pause (Transcribe would close it) and starts another for the next words", async () => {
    const paused = assembleTalk(untranscribedClips().slice(0, 2).map((file) => ({ file })), 12_000);
    const t = await setup({}, undefined, paused);
    const consumer = t.consumer();
    // The talk up to 2 s after its second utterance (after which a second long pause would end that stream too).
    const cut = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > paused.utterances[1]!.endMs + 2000);
    await feed(consumer, t.sessionId, t.records.slice(0, cut));
    expect(t.finals().length).toBeGreaterThanOrEqual(2);
    expect(t.measurements.get("RecognizerRequests")).toBe(2);
    // The first stream was ended during the pause: billed already, while the second is still open.
    expect(t.measurements.get("RecognizerBilledSeconds")).toBe(15);
    consumer.close();
    expect(t.measurements.get("RecognizerBilledSeconds")).toBe(30);
  });

  it("keeps the stream of a session it keeps getting however far apart its batches come, and ends one it stopped getting", async () => {
    // (Connection ids are the same in every setup: the last one's session has the listeners.)
    const other = await setup();
    const t = await setup();
    let clock = 1_000_000;
    const consumer = t.consumer(() => clock);
    // Another session's first seconds, then only this one's batches, each 11 s after the last on the clock (a
    // consumer far behind): this session's stream is current, the other's is left and ended.
    await feed(consumer, other.sessionId, other.records.slice(0, 40));
    for (let at = 0; at < t.records.length; at += 5) {
      clock += 11_000;
      await consumer.consumeSession(t.sessionId, t.records.slice(at, at + 5));
    }
    expect(t.recognizer.streams).toBe(2);
    expect(t.measurements.get("RecognizerRequests")).toBe(2);
    expect(t.measurements.get("RecognizerBilledSeconds")).toBe(15);
    expect(t.log.entries.filter((e) => e.event === "recognition.stream_ended").map((e) => [e.sessionId, e.reason])).toEqual([[other.sessionId, "unused"]]);
    const finals = t.finals();
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    for (const f of finals) expect(Number(f.text.split(" ")[1])).toBe(Math.round((f.endMs - f.startMs) * 16));
  });

  it("feeds a stream kept from an earlier visit only the audio it missed", async () => {
    const t = await setup();
    const [a, b] = [t.consumer(), t.consumer()];
    // Batches alternate between two environments: each keeps its own stream of the open segment.
    for (let at = 0, i = 0; at < t.records.length; at += 3, i++) await (i % 2 ? b : a).consumeSession(t.sessionId, t.records.slice(at, at + 3));
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records, 3);
    expect(t.finals().map((f) => [f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.startMs, f.endMs, f.text]));
    expect(t.log.entries.some((e) => e.event === "recognition.caught_up")).toBe(true);
    // Each environment decodes a segment at most once: at most twice the audio of one environment.
    expect(t.measurements.get("RecognizerAudioSeconds")).toBeLessThanOrEqual(2 * once.measurements.get("RecognizerAudioSeconds") + 1);
  });

  it("keeps a checkpoint of a few hundred bytes, written once per batch, with no audio", async () => {
    const t = await setup();
    const batches = Math.ceil(t.records.length / 5);
    await feed(t.consumer(), t.sessionId, t.records);
    expect(t.measurements.get("CheckpointWrites")).toBe(batches);
    const average = t.measurements.get("CheckpointBytes") / batches;
    console.info(`checkpoint: ${average.toFixed(0)} bytes per batch on average, ${batches} batches`);
    expect(average).toBeLessThan(4096);
    expect(t.measurements.get("CheckpointWriteUnits")).toBe(batches);
    const { data } = await Checkpoint.entity(db.config).get({ sessionId: t.sessionId }).go({ consistent: true });
    expect(JSON.stringify(data).length).toBeLessThan(4096);
    expect(data!.revision).toBe(batches);
  });

  it("gives the same segments and texts whichever environment gets each batch", async () => {
    const t = await setup();
    await feedAtRandom(t, 7);
    const once = await setup();
    await feed(once.consumer(), once.sessionId, once.records, 3);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text]));
    // Sticky: one request for the talk. Random: each environment keeps its one stream across segments, and a
    // segment it missed the start of is replayed into that same stream.
    expect(once.measurements.get("RecognizerRequests")).toBe(1);
    expect(t.measurements.get("RecognizerRequests")).toBeLessThanOrEqual(RANDOM_ENVIRONMENTS);
    expect(t.measurements.get("RecognizerReplays")).toBeGreaterThan(0);
    for (const to of ["es-1", "fr-1"]) {
      const audio = t.sent.filter((s) => s.to === to && s.message.type === "translatedAudio").map((s) => (s.message as { segmentId: string }).segmentId);
      expect(new Set(audio).size).toBe(audio.length);
      expect(audio.length).toBe(once.finals().length);
    }
  });

  it("sends listeners that take parts each segment a clause at a time, the same whichever environment gets each batch", async () => {
    // Prepare: one session consumed by four environments at random, one by a single environment.
    const t = await setup({}, undefined, talk, { recognizer: phrasingRecognizer(), partsListener: true });
    // Act
    await feedAtRandom(t, 5);
    const once = await setup({}, undefined, talk, { recognizer: phrasingRecognizer(), partsListener: true });
    await feed(once.consumer(), once.sessionId, once.records, 3);
    // Assess: the listener of whole segments gets them as before; the parts listener gets each segment's text in
    // parts, in order, each part once, with its translation and speech, the last one marked.
    const whole = once.finals();
    const parts = once.finals("es-parts");
    expect(parts.length).toBeGreaterThan(whole.length);
    for (const segment of whole) {
      const its = parts.filter((p) => p.segmentId === segment.segmentId);
      expect(its.map((p) => p.part)).toEqual(its.map((_, i) => i));
      // Marked last when sent as the segment closed; a segment whose words all went out at its last pause has no such part.
      expect(its.slice(0, -1).every((p) => p.lastPart === false)).toBe(true);
      expect(its.map((p) => p.text).join(" ")).toBe(segment.text);
      // The parts cover the segment's audio, one after the other.
      expect(its[0]!.startMs).toBe(segment.startMs);
      expect(its.at(-1)!.endMs).toBe(segment.endMs);
      for (let i = 1; i < its.length; i++) expect(its[i]!.startMs).toBe(its[i - 1]!.endMs);
      // A part ends where its last phrase ended: the phrase's words name the samples heard by then.
      for (const p of its) expect(Number(p.text.split(" ").at(-1)!.slice(0, -1))).toBe(Math.round((p.endMs - segment.startMs) * 16));
    }
    expect(parts.some((p) => p.part! > 0)).toBe(true);
    expect(parts.some((p) => p.lastPart)).toBe(true);
    const audio = once.sent.filter((s) => s.to === "es-parts" && s.message.type === "translatedAudio").map((s) => s.message);
    expect(audio.map((m) => [(m as { segmentId: string }).segmentId, (m as { part?: number }).part])).toEqual(parts.map((p) => [p.segmentId, p.part]));
    // Whole-segment listeners and the speaker never see a part.
    for (const to of ["es-1", "fr-1", "speaker"]) expect(once.sent.filter((s) => s.to === to && "part" in s.message)).toEqual([]);
    // Whichever environment got each batch, the same parts, each once.
    const view = (run: typeof t) =>
      run.sent
        .filter((s) => s.to === "es-parts" && s.message.type !== "sessionStatus")
        .map((s) => JSON.stringify({ ...s.message, sessionId: undefined, segmentId: (s.message as { segmentId?: string }).segmentId?.slice(-5), url: undefined, timestamp: undefined }));
    expect(view(t)).toEqual(view(once));
  });

  it("sends a part as first decided when a batch is retried after it went out, though the retry hears the phrases differently", async () => {
    // Prepare: the first attempt's delivery of part 1 of the first segment with parts fails (after parts 0 and 2 went
    // out); the retry runs in a new environment whose stream hears each phrase as two words and would cut elsewhere.
    const t = await setup({}, undefined, talk, { recognizer: phrasingRecognizer({ shortAfterFirst: true }), partsListener: true });
    let failed: number | undefined;
    t.onProbe((point, detail) => {
      if (point !== "delivery.claimed" || detail.recipients !== "es#part1") return;
      failed ??= detail.sequenceNumber;
      if (detail.sequenceNumber === failed && detail.part === "caption") throw new Error("environment killed");
    });
    // Act
    await expect(t.consumer().consumeSession(t.sessionId, t.records)).rejects.toThrow(/not fully delivered/);
    t.onProbe(() => undefined);
    await t.consumer().consumeSession(t.sessionId, t.records);
    // Assess: each segment's parts once each (the resent one after its successor: the listener's play queue puts it
    // back in place), one after the other, saying together what the segment says.
    expect(failed).toBeDefined();
    const parts = t.finals("es-parts");
    for (const segment of t.finals()) {
      const its = parts.filter((p) => p.segmentId === segment.segmentId).sort((a, b) => a.part! - b.part!);
      expect(its.map((p) => p.part)).toEqual(its.map((_, i) => i));
      expect(its.map((p) => p.text).join(" ")).toBe(segment.text);
      expect(its[0]!.startMs).toBe(segment.startMs);
      for (let i = 1; i < its.length; i++) expect(its[i]!.startMs).toBe(its[i - 1]!.endMs);
    }
    expect(parts.filter((p) => p.sequenceNumber === failed).length).toBeGreaterThan(2);
    expect(t.measurements.get("PartsDecidedBefore")).toBeGreaterThan(0);
  });

  it("sends a long phrase clause by clause while the speaker goes on, each word once, whichever environment gets each batch", async () => {
    // Prepare
    const once = await setup({}, undefined, talk, { recognizer: clausingRecognizer(), partsListener: true });
    // Act
    await feed(once.consumer(), once.sessionId, once.records, 3);
    // Assess: parts end before an "and" that two successive hypotheses agreed on, where the word before it ends.
    const check = (run: typeof once) => {
      const parts = run.finals("es-parts");
      for (const segment of run.finals()) {
        const its = parts.filter((p) => p.segmentId === segment.segmentId);
        expect(its.map((p) => p.part)).toEqual(its.map((_, i) => i));
        expect(its.map((p) => p.text).join(" ")).toBe(segment.text);
        expect(its[0]!.startMs).toBe(segment.startMs);
        expect(its.at(-1)!.endMs).toBe(segment.endMs);
        for (let i = 1; i < its.length; i++) expect(its[i]!.startMs).toBe(its[i - 1]!.endMs);
      }
      return parts;
    };
    const parts = check(once);
    const clauseLog = once.log.entries.filter((e) => e.event === "part.done" && e.committedAt === "clause");
    const atClauses = parts.filter((p) => clauseLog.some((e) => e.segmentId === p.segmentId && e.part === p.part));
    expect(atClauses.length).toBeGreaterThan(0);
    expect(atClauses.length).toBe(once.measurements.get("ClauseParts"));
    for (const p of atClauses) {
      const segment = once.finals().find((f) => f.segmentId === p.segmentId)!;
      const next = parts.find((q) => q.segmentId === p.segmentId && q.part === p.part! + 1)!;
      expect(next.text.startsWith("and ")).toBe(true);
      expect(Math.round((p.endMs - segment.startMs) * 16)).toBe(Number(p.text.split(" ").at(-1)!.slice(0, -1)));
    }
    // Batches at random over four environments: a cold one commits nothing until it has heard twice, but no word is
    // sent twice or lost.
    const t = await setup({}, undefined, talk, { recognizer: clausingRecognizer(), partsListener: true });
    await feedAtRandom(t, 3);
    check(t);
  });

  it("commits no part where a segment may yet be cut at its maximum length, and loses or repeats no word at the cut", async () => {
    // Prepare: segments cut at 3 s, at the quietest frame of their last second.
    const t = await setup({ maxSegmentMs: 3000, cutSearchMs: 1000, longSegmentMs: 60_000 }, undefined, talk, { recognizer: clausingRecognizer(), partsListener: true });
    // Act
    await feed(t.consumer(), t.sessionId, t.records, 3);
    // Assess
    const finals = t.finals();
    const parts = t.finals("es-parts");
    const cuts = finals.filter((f, i) => finals[i + 1]?.startMs === f.endMs);
    expect(cuts.length).toBeGreaterThan(0);
    expect(parts.some((p) => !p.lastPart)).toBe(true);
    for (const segment of finals) {
      const its = parts.filter((p) => p.segmentId === segment.segmentId);
      expect(its.map((p) => p.text).join(" ")).toBe(segment.text);
      expect(its.at(-1)!.endMs).toBe(segment.endMs);
      // Before the close, parts end before the window a cut may fall in (the segment's last second).
      for (const p of its.filter((q) => !q.lastPart)) expect(p.endMs - segment.startMs).toBeLessThanOrEqual(2000);
    }
    // A cut segment's words end before the cut, though its stream heard on: the next segment hears the rest.
    for (const f of cuts) {
      const ends = f.text.split(" ").filter((w) => w.endsWith("w")).map((w) => Number(w.slice(0, -1)));
      expect(Math.max(...ends) - 800).toBeLessThan(Math.round((f.endMs - f.startMs) * 16));
    }
  });

  it("with Silero VAD deciding speech, gives the same segments whichever environment gets each batch, in one write unit per batch", async () => {
    // Prepare
    const silero = new SileroVoiceActivity();
    const t = await setup({}, silero);
    // Act: batches at random over four environments (each rebuilds the detector by replay), and all in one.
    const batches = await feedAtRandom(t, 11);
    // (Set up after: both sessions' listeners have the same connection ids, the later setup takes them.)
    const once = await setup({}, silero);
    await feed(once.consumer(), once.sessionId, once.records, 3);
    // Assess
    expect(t.finals().length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text])).toEqual(once.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs, f.text]));
    expect(t.measurements.get("VoiceFramesReplayed")).toBeGreaterThan(0);
    // An environment carries on from the detector stream it kept, so it feeds each frame at most once: replays stay
    // under three environments' share of the talk (replaying each cold batch's whole open segment is several times that).
    const frames = Math.floor(talk.pcm.length / silero.frameSamples);
    console.info(`detector frames replayed: ${t.measurements.get("VoiceFramesReplayed")} for ${frames} frames of talk`);
    expect(t.measurements.get("VoiceFramesReplayed")).toBeLessThanOrEqual(3 * frames);
    expect(once.measurements.get("VoiceFramesReplayed")).toBe(0);
    expect(t.measurements.get("CheckpointWriteUnits")).toBe(batches);
  });

  it("does not repeat a segment whose messages went out before a crash", async () => {
    const t = await setup();
    const consumer = t.consumer();
    await feed(consumer, t.sessionId, t.records);
    const before = t.sent.length;
    // Simulate the state save having failed: the same segments are closed again by a new process.
    await Checkpoint.entity(db.config).delete({ sessionId: t.sessionId }).go();
    await feed(t.consumer(), t.sessionId, t.records);
    const after = t.sent.slice(before).filter((s) => s.message.type !== "sessionStatus" && !(s.message.type === "transcript" && !s.message.isFinal));
    expect(after).toEqual([]);
  });

  it("under a synthesis quota far below the load: every caption once, no batch retried or replayed, speech degraded, the speaker told", async () => {
    // Prepare: Polly's quotas at one request per 1000 s (burst 1) for either voice, on the consumer's clock.
    let clock = Date.now();
    const buckets = { neural: new TokenBucket(0.001, 1, () => clock), standard: new TokenBucket(0.001, 1, () => clock) };
    const t = await setup({}, undefined, talk, { underQuota: (synthesizer) => throttledSynthesizer(synthesizer, buckets), partsListener: true });
    const consumer = t.consumer(() => clock);
    // Act: in real time, on the consumer's clock; no batch may throw (a throw is a batch retried, replayed from the stream).
    await feedInRealTime(consumer, t.sessionId, t.records, 3, (at) => (clock = at));
    // Assess
    const finals = t.finals("speaker").filter((f) => f.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    for (const to of ["es-1", "fr-1"]) {
      expect(t.finals(to).map((f) => f.segmentId)).toEqual(finals.map((f) => f.segmentId));
      expect(t.sent.filter((s) => s.to === to && s.message.type === "translation")).toHaveLength(finals.length);
    }
    expect(t.finals("es-parts").map((p) => p.text).join(" ")).toBe(finals.map((f) => f.text).join(" "));
    const delivered = t.sent.filter((s) => s.message.type !== "sessionStatus" && !(s.message.type === "transcript" && !s.message.isFinal));
    const keys = delivered.map((s) => `${s.to} ${s.message.type} ${(s.message as { segmentId?: string }).segmentId} ${(s.message as { part?: number }).part}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(t.sent.filter((s) => s.message.type === "translatedAudio").length).toBeLessThanOrEqual(2);
    expect(t.measurements.get("AudioDegradedToCaptions")).toBeGreaterThan(0);
    for (const counter of ["BatchesRetried", "StreamReplays", "RecognizerReplays", "DeliveriesRetried"]) expect(t.measurements.get(counter), counter).toBe(0);
    const statuses = t.sent.filter((s) => s.to === "speaker" && s.message.type === "sessionStatus").map((s) => s.message as Extract<ServerMessage, { type: "sessionStatus" }>);
    expect(statuses.some((m) => m.quotas?.includes("synthesis"))).toBe(true);
    expect(t.log.entries.some((e) => e.event === "quota.degraded" && e.to === "captionsOnly")).toBe(true);
  });

  it("under IoT Core's publish quota far below the load: every listener keeps every caption once, the broadcast listener's carried by later publishes, no batch retried, the speaker told", async () => {
    // Prepare: IoT Core's inbound publish rate at one publish per 5 s (burst 1), on a clock that moves only while a
    // throttled call waits: the talk's parts come far faster than that.
    let clock = 0;
    const sleep = async (ms: number) => void (clock += ms);
    const published: ServerMessage[] = [];
    const publisher = throttledPublisher({ publish: async (_channel, message) => void published.push(message) }, new TokenBucket(0.2, 1, () => clock));
    const t = await setup({}, undefined, talk, { broadcast: publisher, sleep });
    // Act: the talk, then the session's end; no batch may throw (a throw is a batch retried, replayed from the stream).
    const consumer = t.consumer();
    await feed(consumer, t.sessionId, t.records);
    await feed(consumer, t.sessionId, await publish([{ kind: "end", sessionId: t.sessionId, ingestedAt: t.records.at(-1)!.ingestedAt + 1 }]));
    // Assess: the broadcast listener, unfolding what each message carries, has every word the speaker's segments
    // hold, each part once, in order, and the end last.
    const finals = t.finals("speaker").filter((f) => f.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    for (const to of ["es-1", "fr-1"]) expect(t.finals(to).map((f) => f.segmentId)).toEqual(finals.map((f) => f.segmentId));
    const heard = published.flatMap(messagesIn);
    const parts = heard.filter((m) => m.type === "part");
    expect(parts.map((p) => p.text).join(" ")).toBe(finals.map((f) => f.text).join(" "));
    expect(parts.map((p) => placeInTalk(p))).toEqual([...new Set(parts.map((p) => placeInTalk(p)))].sort((a, b) => a - b));
    expect(heard.at(-1)!.type).toBe("sessionEnded");
    expect(published.filter((m) => m.type === "part").length).toBeLessThan(parts.length);
    expect(t.measurements.get("PublishesCarried")).toBeGreaterThan(0);
    expect(t.measurements.get("PartsCarried")).toBe(t.measurements.get("PublishesCarried"));
    // Only an end that carried nothing (the other language's, nobody listening) may have been given up.
    expect(t.log.entries.filter((e) => e.event === "quota.publish_dropped" && e.type !== "sessionEnded")).toEqual([]);
    expect(t.measurements.get("CarriedPartsLost")).toBe(0);
    for (const counter of ["BatchesRetried", "StreamReplays", "RecognizerReplays", "DeliveriesRetried"]) expect(t.measurements.get(counter), counter).toBe(0);
    const statuses = t.sent.filter((s) => s.to === "speaker" && s.message.type === "sessionStatus").map((s) => s.message as Extract<ServerMessage, { type: "sessionStatus" }>);
    expect(statuses.some((m) => m.quotas?.includes("publishes"))).toBe(true);
    expect(t.log.entries.some((e) => e.event === "quota.publish_carried" && e.language === "fr")).toBe(true);
  });

  it("under Transcribe's concurrent-stream quota, a segment waits for a stream to free up, and no batch fails", async () => {
    // Prepare: a quota of one stream, held elsewhere until the third wait of the first refused segment.
    const recognizer = limitedRecognizer(countingRecognizer(), 1);
    const held = recognizer.startStream("en");
    let waits = 0;
    const sleep = async () => {
      if (++waits === 3) await held.end();
    };
    const t = await setup({}, undefined, talk, { recognizer, sleep });
    // Act: no batch may throw.
    await feed(t.consumer(), t.sessionId, t.records);
    // Assess: every segment heard, each once, after retries; nothing lost.
    const finals = t.finals("speaker").filter((f) => f.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(t.finals("es-1").map((f) => f.segmentId)).toEqual(finals.map((f) => f.segmentId));
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(t.measurements.get("QuotaRetries")).toBeGreaterThanOrEqual(3);
    expect(t.measurements.get("SegmentsUnheard")).toBe(0);
  });

  it("under Transcribe's concurrent-stream quota that never frees, names and counts each segment lost, tells the speaker, and fails no batch", async () => {
    // Prepare: the one stream the quota allows is held elsewhere for good.
    const recognizer = limitedRecognizer(countingRecognizer(), 1);
    recognizer.startStream("en");
    const t = await setup({}, undefined, talk, { recognizer });
    // Act: no batch may throw (a throw is a batch retried, replayed from the stream, and more streams asked for).
    await feed(t.consumer(), t.sessionId, t.records);
    // Assess
    const lost = t.log.entries.filter((e) => e.event === "quota.segment_unheard");
    expect(lost.length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(t.measurements.get("SegmentsUnheard")).toBe(lost.length);
    expect(t.finals("es-1")).toEqual([]);
    const statuses = t.sent.filter((s) => s.to === "speaker" && s.message.type === "sessionStatus").map((s) => s.message as Extract<ServerMessage, { type: "sessionStatus" }>);
    expect(statuses.some((m) => m.quotas?.includes("recognition"))).toBe(true);
    expect(t.measurements.get("BatchesRetried")).toBe(0);
  });

  it("reads who listens only when a status is due or a segment closes, not every batch", async () => {
    // Prepare: one chunk a batch, in real time on the consumer's clock; a status considered is counted.
    let clock = 0;
    const t = await setup({}, undefined, talk);
    const consumer = t.consumer(() => clock);
    const statusDue = vi.spyOn(Admission, "counts");
    const reads = vi.spyOn(Audience, "of");
    // Act
    await feedInRealTime(consumer, t.sessionId, t.records, 1, (at) => (clock = at));
    // Assess: about once a second of talk, not once per batch; the speaker's interims reuse that read.
    const seconds = t.records.length / 10;
    expect(statusDue.mock.calls.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(statusDue.mock.calls.length).toBeGreaterThan(0);
    const interims = t.sent.filter((s) => s.to === "speaker" && s.message.type === "transcript" && !s.message.isFinal).length;
    expect(interims).toBeGreaterThan(2 * seconds);
    // A status due, a pause or a close of a segment read who is connected (to deliver to them): a few batches in ten.
    expect(reads.mock.calls.length).toBeLessThan(t.records.length / 5);
    statusDue.mockRestore();
    reads.mockRestore();
  });

  it("ending while reconnecting, waits for the chunks the speaker sent before the end that reach the stream after it", async () => {
    // Prepare: the speaker's backlog and its end (saying the last chunk sent) run concurrently: the end lands
    // before the backlog's last 1.5 s.
    const t = await setup();
    const cut = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > talk.utterances[1]!.startMs + 1500);
    const endedAt = t.records[cut - 1]!.ingestedAt + 1;
    // The backlog's last chunks arrive within milliseconds of the end.
    const chunks = t.records.slice(0, cut + 15).map((r, i) => {
      const { position: _, ...chunk } = r;
      return i < cut ? chunk : { ...chunk, ingestedAt: endedAt + (i - cut + 1) * 5 };
    });
    const lastChunkIndex = cut + 14;
    const stream = await publish([...chunks.slice(0, cut), { kind: "end", sessionId: t.sessionId, ingestedAt: endedAt, lastChunkIndex }, ...chunks.slice(cut)]);
    // Act: batches across two environments, the end in the middle of one.
    await feed(t.consumer(), t.sessionId, stream.slice(0, cut - 2), 5);
    await feed(t.consumer(), t.sessionId, stream.slice(cut - 2), 5);
    // Assess: the segments are those of the same chunks all before the end; then everyone is told the session ended.
    const inOrder = await setup();
    const ordered = await publish([...chunks.map((c) => ({ ...c, sessionId: inOrder.sessionId })), { kind: "end", sessionId: inOrder.sessionId, ingestedAt: endedAt + 100 }]);
    await feed(inOrder.consumer(), inOrder.sessionId, ordered, 5);
    expect(t.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs])).toEqual(inOrder.finals().map((f) => [f.sequenceNumber, f.startMs, f.endMs]));
    expect(t.finals().at(-1)!.endMs).toBeGreaterThan(cut * 100);
    for (const to of ["speaker", "es-1", "fr-1"]) {
      expect(t.sent.filter((s) => s.to === to).at(-1)?.message).toEqual({ type: "sessionEnded", sessionId: t.sessionId });
    }
    expect(t.log.entries.some((e) => e.event === "consumer.end_held")).toBe(true);
  });

  it("an end whose last chunks never come ends when the speaker's repeated end comes after the wait: the loss counted and told", async () => {
    // Prepare: the speaker said it sent 15 chunks more than ever reach the stream.
    const t = await setup();
    const cut = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > talk.utterances[1]!.startMs + 1500);
    const endedAt = t.records[cut - 1]!.ingestedAt + 1;
    const end = (ingestedAt: number) => ({ kind: "end" as const, sessionId: t.sessionId, ingestedAt, lastChunkIndex: cut + 14 });
    const consumer = t.consumer();
    const ended = () => t.sent.filter((s) => s.message.type === "sessionEnded");
    // Act: the chunks, the end; then a repeat soon after; then one after the wait.
    await feed(consumer, t.sessionId, [...t.records.slice(0, cut), ...(await publish([end(endedAt)]))], 5);
    expect(ended()).toEqual([]);
    // A repeat measures the wait from the first end, it does not restart it.
    await feed(consumer, t.sessionId, await publish([end(endedAt + 1000)]));
    expect(ended()).toEqual([]);
    await feed(consumer, t.sessionId, await publish([end(endedAt + MAX_END_WAIT_MS)]));
    // Assess: ended with what came; the 15 chunks named, counted and told to everyone (the speaker shows it).
    for (const to of ["speaker", "es-1", "fr-1"]) {
      expect(t.sent.filter((s) => s.to === to).at(-1)?.message).toEqual({ type: "sessionEnded", sessionId: t.sessionId, chunksLost: 15 });
    }
    expect(t.log.entries.find((e) => e.event === "consumer.end_without_chunks")).toMatchObject({ missing: 15, lastChunkIndex: cut + 14 });
    expect(t.measurements.get("ChunksSkipped")).toBe(15);
    expect(t.finals().at(-1)!.endMs).toBeGreaterThan(talk.utterances[1]!.startMs);
  });

  it(
    "hears a name of the session's glossary that pocketsphinx's dictionary lacks (real speech), and deletes the session's custom vocabulary with it",
    async () => {
      // Asterisk's prompt that names the company Digium, which pocketsphinx's dictionary lacks.
      const clip = assembleTalk([{ file: clipsWithNames().find((c) => c.file.endsWith("asterisk-demo-nogo.wav"))!.file }], 1000);
      const recognizer = new PocketsphinxRecognizer({ pronounce: pronouncer(await EspeakSynthesizer.load()) });
      const transcribe = mockClient(TranscribeClient);
      try {
        transcribe.on(CreateVocabularyCommand).resolves({ VocabularyState: "PENDING" });
        transcribe.on(ListVocabulariesCommand).resolves({ Vocabularies: [] });
        transcribe.on(GetVocabularyCommand).resolves({ VocabularyState: "READY" });
        transcribe.on(DeleteVocabularyCommand).resolves({});
        // One in the function that creates the session, one in the consumer's environment, as in AWS.
        const vocabularies = () => new TranscribeVocabularies({ client: new TranscribeClient({ region: "us-east-1" }), expireAfterMs: 86_400_000 });
        const heard = async (glossary?: Glossary) => {
          const t = await setup({}, undefined, clip, { recognizer, glossary, vocabularies: vocabularies() });
          await requestVocabulary(vocabularies(), t.log, { sessionId: t.sessionId, sourceLanguage: "en", glossary });
          const end = await publish([{ kind: "end", sessionId: t.sessionId, ingestedAt: Date.now() }]);
          await feed(t.consumer(), t.sessionId, [...t.records, ...end]);
          const translated = t.sent.filter((s) => s.to === "es-1" && s.message.type === "translation");
          return {
            sessionId: t.sessionId,
            text: t.finals().map((f) => f.text).join(" "),
            es: translated.map((s) => (s.message as Extract<ServerMessage, { type: "translation" }>).text).join(" "),
          };
        };
        const before = await heard();
        expect(before.text).toMatch(/demonstration asterisk server/);
        expect(before.text).not.toMatch(/digium/i);
        expect(transcribe.calls()).toHaveLength(0);
        // The glossary's Spanish for the name (the company's full name) shows that the translation holds the term.
        const after = await heard([{ term: "Digium", translations: { es: "Digium Inc." } }]);
        expect(after.text).toMatch(/connection to the Digium demonstration/);
        expect(after.es).toMatch(/the Digium Inc\. demonstration/);
        const name = `livetranslate-${after.sessionId}`;
        expect(transcribe.commandCalls(GetVocabularyCommand)[0]!.args[0].input).toEqual({ VocabularyName: name });
        expect(transcribe.commandCalls(DeleteVocabularyCommand).map((c) => c.args[0].input)).toEqual([{ VocabularyName: name }]);
      } finally {
        transcribe.restore();
        recognizer.close();
      }
    },
    scaledTimeout(120_000),
  );

  it("closes the last segment when the session ends, then tells everyone", async () => {
    const t = await setup();
    // Stop mid-utterance: the last words are still delivered.
    const cut = t.records.findIndex((r) => r.kind === "chunk" && r.chunkIndex * 100 > talk.utterances[1]!.startMs + 1500);
    const end = await publish([{ kind: "end", sessionId: t.sessionId, ingestedAt: Date.now() }]);
    await feed(t.consumer(), t.sessionId, [...t.records.slice(0, cut), ...end]);
    const finals = t.finals();
    expect(finals.at(-1)!.endMs).toBeGreaterThan(talk.utterances[1]!.startMs);
    for (const to of ["speaker", "es-1", "fr-1"]) {
      expect(t.sent.filter((s) => s.to === to).at(-1)?.message).toEqual({ type: "sessionEnded", sessionId: t.sessionId });
    }
    // Records after the end change nothing.
    const count = t.sent.length;
    await feed(t.consumer(), t.sessionId, t.records.slice(cut));
    expect(t.sent.length).toBe(count);
  });
});
