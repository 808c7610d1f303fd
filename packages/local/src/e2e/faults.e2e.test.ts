/**
 * Faults under Lambda's scheduling: local mode in this process with the real local engines, the consumer in 4
 * execution environments with random routing. Each test injects one fault while a speaker talks, then checks
 * that every segment reached every listener exactly once per language (caption, translation, audio), the speaker
 * got each final caption once (and, where a listener takes parts, each part once, saying together what the segment
 * says), and the fault left a log line and a metric.
 */
import { FaultInjector, awsError, throttled } from "@livetranslate/testing/faults";
import { closeEngines, detectLocalEngines, type Engines } from "@livetranslate/core/adapters/engines";
import { memoryLog } from "@livetranslate/core/log";
import type { ProbePoint } from "@livetranslate/core/streaming/pipeline";
import { Checkpoint } from "@livetranslate/core/streaming/consumer";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import type { CreateSessionResponse, ServerMessage } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips, type Talk } from "@livetranslate/testing/fixtures";
import { splitShardHolding } from "@livetranslate/testing/standins";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ChunkSender } from "../../../web-speaker/src/chunk-sender.ts";
import { EnvironmentKilledError } from "../event-source/environments.ts";
import { type LocalMode, startLocal } from "../server.ts";
import { ProtocolClient } from "../testing/client.ts";

const LANGUAGES = ["es", "fr"] as const;
const SPEED = 2;
const talk = assembleTalk([englishClips()[1]!, englishClips()[3]!], 1000);
/** Over a minute of speech: a few seconds live, a minute's backlog, the rest live again. */
const longTalk = assembleTalk([0, 2, 3, 4, 5, 0, 2, 3].map((i) => englishClips()[i]!), 1000);
/** The chunk of the talk's second utterance `ms` after its voice begins (in the middle of its segment). */
const intoSecondUtterance = (ms: number) => Math.round((talk.utterances[1]!.voicedStartMs + ms) / 100);
const chunkIndexOf = (input: Record<string, unknown>) => (JSON.parse(Buffer.from(input.Data as Uint8Array).toString()) as { chunkIndex?: number }).chunkIndex;

describe("faults, each ending with every segment delivered exactly once per listener language", () => {
  let local: LocalMode;
  let engines: Engines;
  const log = memoryLog();
  const injector = new FaultInjector();
  const faults = { recognizerWrites: 0, translations: 0 };
  let kill: { point: ProbePoint; part?: string; recipients?: RegExp; fired: boolean } | undefined;

  beforeAll(async () => {
    const detected = await detectLocalEngines();
    if (!detected.recognizer || !detected.translator || !detected.synthesizer) throw new Error(detected.problems.join("; "));
    const real = { recognizer: detected.recognizer, translator: detected.translator, synthesizer: detected.synthesizer };
    engines = real;
    local = await startLocal({
      port: 0,
      log,
      consumerEnvironments: 4,
      routing: "random",
      seed: 11,
      decorateClient: (client) => injector.install(client),
      engines: {
        recognizer: {
          languages: real.recognizer.languages,
          startStream(language) {
            const stream = real.recognizer.startStream(language);
            return {
              async write(pcm) {
                if (faults.recognizerWrites > 0) {
                  faults.recognizerWrites--;
                  throw new Error("recognizer stream broke (injected)");
                }
                return stream.write(pcm);
              },
              endSegment: (endSample) => stream.endSegment(endSample),
              pause: () => stream.pause(),
              phraseWords: () => stream.phraseWords(),
              end: () => stream.end(),
              abort: () => stream.abort(),
            };
          },
        },
        translator: {
          pairs: real.translator.pairs,
          async translate(text, source, target) {
            if (faults.translations > 0) {
              faults.translations--;
              throw new Error("translator crashed (injected)");
            }
            return real.translator.translate(text, source, target);
          },
        },
        synthesizer: real.synthesizer,
      },
      probe: (slot) => (point, detail) => {
        if (!kill || kill.fired || kill.point !== point || (kill.part && kill.part !== detail.part)) return;
        if (kill.recipients && !kill.recipients.test(detail.recipients ?? "")) return;
        kill.fired = true;
        local.environments.kill(slot, `killed at ${point}`);
        throw new EnvironmentKilledError(`environment ${slot} killed at ${point}`);
      },
    });
  });
  afterAll(async () => {
    await local?.close();
    await closeEngines(engines);
  });

  /**
   * One session: listeners in es and fr (and, with `partsListener`, one in es taking segments in parts), a speaker
   * playing the talk (faster than real time), then silence. `at` runs a fault after the chunk of that index is sent,
   * the talk going on meanwhile. With `reconnect`, the speaker is the speaker app's ChunkSender: its connection
   * drops after chunk `dropAfter`, it keeps capturing `backlog` chunks (no wall time passes for them: the backlog is
   * capture time), connects again, asks where the session's numbering stands and sends everything at once.
   */
  async function speak(
    options: {
      delayChunk?: number;
      partsListener?: boolean;
      endBeforeBacklog?: number;
      /** With `endBeforeBacklog`: the backlog never comes. */
      loseBacklog?: boolean;
      at?: Record<number, (sessionId: string) => Promise<unknown>>;
      reconnect?: { dropAfter: number; backlog: number };
      talk?: Talk;
      speed?: number;
      /** Behind real time the consumer may shed translated speech (named, counted, the speaker told): accepted here. */
      mayShedAudio?: boolean;
    } = {},
  ) {
    const spoken = options.talk ?? talk;
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: [...LANGUAGES] }),
    });
    const session = (await response.json()) as CreateSessionResponse;
    const listeners = await Promise.all(
      LANGUAGES.map((language) => ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language })),
    );
    const parts = options.partsListener
      ? await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es", parts: "1" })
      : undefined;
    const connectSpeaker = () => ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    let speaker = await connectSpeaker();
    const speakers = [speaker];
    const sender = options.reconnect
      ? new ChunkSender(session.sessionId, (message) => {
          if (speaker.socket.readyState !== WebSocket.OPEN) return false;
          speaker.send(message);
          return true;
        })
      : undefined;
    const chunks = [...chunksOf(spoken.pcm, 100), ...chunksOf(new Int16Array(16_000 * 1.5), 100)];
    const pace = 100 / (options.speed ?? SPEED);
    const startAt = Date.now();
    const late: Promise<unknown>[] = [];
    // Ending while reconnecting: the last chunks are held back (the connection is down), then the end, saying the last
    // chunk index, and the backlog go out at once, the end first.
    const live = chunks.length - (options.endBeforeBacklog ?? 0);
    const outage = options.reconnect && { from: options.reconnect.dropAfter + 1, to: options.reconnect.dropAfter + options.reconnect.backlog };
    for (let index = 0; index < chunks.length; index++) {
      const capturedAt = startAt + index * pace;
      if (index >= live) continue;
      // The capture time a dropped connection lasted passed without waiting for it.
      const skippedMs = outage && index > outage.to ? options.reconnect!.backlog * pace : 0;
      const wait = capturedAt - skippedMs + pace - Date.now();
      if (wait > 0 && !(outage && index >= outage.from && index <= outage.to)) await new Promise((r) => setTimeout(r, wait));
      const send = () => speaker.sendChunk(session.sessionId, index, chunks[index]!, capturedAt);
      if (sender) sender.push(chunks[index]!, capturedAt);
      else if (index === options.delayChunk) late.push(new Promise((r) => setTimeout(r, 1000)).then(send));
      else send();
      if (index === options.reconnect?.dropAfter) await speaker.close();
      if (outage && index === outage.to) {
        // As the speaker app does on every open: hold the audio, ask where the numbering stands, then send it all.
        speaker = await connectSpeaker();
        speakers.push(speaker);
        sender!.hold();
        speaker.send({ action: "chunkPosition", sessionId: session.sessionId });
        const position = await speaker.waitFor(() => speaker.messages("chunkPosition")[0], 30_000, "where the numbering stands");
        sender!.continueFrom(position.nextChunkIndex);
        sender!.resume();
        expect(sender!.waitingCount, "the backlog all sent").toBe(0);
        expect(sender!.lost, "nothing dropped by the speaker app").toBe(0);
      }
      const fault = options.at?.[index];
      if (fault) late.push(fault(session.sessionId));
    }
    await Promise.all(late);
    if (options.endBeforeBacklog) {
      const end = { action: "endSession", sessionId: session.sessionId, lastChunkIndex: chunks.length - 1 };
      speaker.send(end);
      if (!options.loseBacklog) {
        for (let index = live; index < chunks.length; index++) speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * pace);
      }
      // The backlog lost: as the speaker app does, the end is asked for again while no sessionEnded comes.
      for (let repeat = 0; options.loseBacklog && repeat < 100 && speaker.messages("sessionEnded").length === 0; repeat++) {
        await new Promise((r) => setTimeout(r, 2000));
        if (speaker.messages("sessionEnded").length === 0) speaker.send(end);
      }
      for (const listener of listeners) await listener.waitFor(() => listener.messages("sessionEnded").length > 0, 60_000, "the session's end");
    }
    const everyone = [...speakers, ...listeners];
    const segments = () => new Set(everyone.flatMap((c) => c.messages("transcript").filter((t) => t.isFinal).map((t) => t.segmentId)));
    const shed = (id: string, language: string) => options.mayShedAudio === true && audioShed(log.entries, id, language);
    // Delivered: every segment anyone has a caption of has its audio at every listener (or its audio was shed).
    for (const [i, listener] of listeners.entries()) {
      await listener.waitFor(
        () =>
          segments().size >= spoken.utterances.length &&
          [...segments()].every((id) => shed(id, LANGUAGES[i]!) || listener.messages("translatedAudio").some((a) => a.segmentId === id)),
        options.reconnect ? 240_000 : 90_000,
        "every segment's audio",
      );
    }
    // The parts listener: each segment's parts say what the segment says, each with its audio.
    const whole = listeners[0]!;
    const partsSay = (id: string) => {
      const its = parts!.messages("transcript").filter((t) => t.isFinal && t.segmentId === id);
      return [...new Map(its.map((t) => [t.part, t.text])).entries()].sort(([a], [b]) => a! - b!).map(([, text]) => text).join(" ");
    };
    if (parts) {
      await parts.waitFor(
        () => [...segments()].every((id) => partsSay(id) === whole.messages("transcript").find((t) => t.isFinal && t.segmentId === id)?.text),
        45_000,
        "every segment's parts",
      ).catch((error: unknown) => {
        for (const id of segments()) console.info(id, JSON.stringify(partsSay(id)), JSON.stringify(whole.messages("transcript").find((t) => t.isFinal && t.segmentId === id)?.text));
        throw error;
      });
    }
    // Anything sent twice would arrive within moments.
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all([...everyone, ...(parts ? [parts] : [])].map((c) => c.close()));
    const lastEndMs = Math.max(...whole.messages("transcript").filter((t) => t.isFinal).map((t) => t.endMs));
    return { speakers, listeners, parts, segments: segments(), lastEndMs, talk: spoken, mayShedAudio: options.mayShedAudio === true };
  }

  /**
   * Whether the segment's (or with `part`, that part's) translated speech in `language` was shed (the consumer behind
   * real time), as it logged.
   */
  function audioShed(entries: typeof log.entries, segmentId: string, language: string, part?: number): boolean {
    const event = part === undefined ? "segment.done" : "part.done";
    return entries.some(
      (e) =>
        e.event === event &&
        e.segmentId === segmentId &&
        (part === undefined || e.part === part) &&
        (e.languages as { language: string; audioShed?: boolean }[]).some((l) => l.language === language && l.audioShed),
    );
  }

  function expectExactlyOnce(run: Awaited<ReturnType<typeof speak>>) {
    expect(run.segments.size).toBeGreaterThanOrEqual(run.talk.utterances.length);
    const count = (clients: ProtocolClient[], type: ServerMessage["type"]) => {
      const ids = clients
        .flatMap((client) => client.received)
        .map((r) => r.message)
        .filter((m) => m.type === type && (m.type !== "transcript" || m.isFinal))
        .map((m) => (m as { segmentId: string }).segmentId);
      return [...run.segments].map((id) => ids.filter((x) => x === id).length);
    };
    const once = [...run.segments].map(() => 1);
    LANGUAGES.forEach((language, i) => {
      const listener = run.listeners[i]!;
      for (const type of ["transcript", "translation"] as const) {
        expect(count([listener], type), `${type} per segment in ${language}`).toEqual(once);
      }
      // Shed speech is never sent; anything else once.
      const audio = [...run.segments].map((id) => (run.mayShedAudio && audioShed(log.entries, id, language) ? 0 : 1));
      expect(count([listener], "translatedAudio"), `translatedAudio per segment in ${language}`).toEqual(audio);
      expect(listener.messages("translatedAudio").every((a) => a.targetLanguage === language)).toBe(true);
    });
    // Across every connection the speaker had: each final caption once.
    expect(count(run.speakers, "transcript"), "final captions at the speaker").toEqual(once);
    if (!run.parts) return;
    // Each part once, with its translation and audio, numbered 0, 1, ... within its segment.
    const keys = (type: ServerMessage["type"]) =>
      run.parts!.received
        .map((r) => r.message)
        .filter((m) => m.type === type && (m.type !== "transcript" || m.isFinal))
        .map((m) => `${(m as { segmentId: string }).segmentId}#${(m as { part?: number }).part}`)
        .sort();
    const captions = keys("transcript");
    expect(new Set(captions).size, "part captions once each").toBe(captions.length);
    expect(keys("translation"), "a translation per part").toEqual(captions);
    const voiced = captions.filter((key) => !(run.mayShedAudio && audioShed(log.entries, key.split("#")[0]!, "es", Number(key.split("#")[1]))));
    expect(keys("translatedAudio"), "audio per part (unless shed)").toEqual(voiced);
    for (const id of run.segments) {
      const numbers = captions.filter((k) => k.startsWith(`${id}#`)).map((k) => Number(k.split("#")[1])).sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i));
    }
  }

  async function withFault(
    arm: () => void,
    expectSeen: (entries: typeof log.entries, metric: (name: string) => number) => void,
    options: Parameters<typeof speak>[0] = {},
    seen: (run: Awaited<ReturnType<typeof speak>>) => void = () => undefined,
  ) {
    const from = log.entries.length;
    const before = new Map(local.measurements.counts);
    arm();
    try {
      const run = await speak(options);
      seen(run);
      expectExactlyOnce(run);
      expectSeen(log.entries.slice(from), (name) => local.measurements.get(name) - (before.get(name) ?? 0));
    } finally {
      injector.clear();
      kill = undefined;
      faults.recognizerWrites = 0;
      faults.translations = 0;
    }
  }

  const has = (entries: typeof log.entries, event: string, match: Record<string, unknown> = {}) =>
    entries.some((e) => e.event === event && Object.entries(match).every(([k, v]) => e[k] === v));

  it("an environment killed after claiming a delivery, before notifying", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "delivery.claimed", part: "translation", fired: false }),
      (entries, metric) => {
        expect(kill?.fired ?? true).toBe(true);
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(has(entries, "delivery.retried", { part: "translation" })).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
        expect(metric("DeliveriesRetried")).toBeGreaterThanOrEqual(1);
      },
    );
  });

  it("an environment killed after transcribing, before the checkpoint", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "segment.transcribed", fired: false }),
      (entries, metric) => {
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(has(entries, "consumer.replayed")).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
      },
    );
  });

  it("the recognizer throws once", { timeout: 180_000 }, async () => {
    await withFault(
      () => (faults.recognizerWrites = 1),
      (entries, metric) => {
        // A live stream falls back to transcribing the segment whole; a whole transcription fails the batch, retried.
        expect(has(entries, "recognition.failed")).toBe(true);
        expect(metric("RecognizerFailures")).toBe(1);
      },
    );
  });

  it("the translator throws once", { timeout: 180_000 }, async () => {
    await withFault(
      () => (faults.translations = 1),
      (entries, metric) => {
        expect(has(entries, "segment.language_failed", { part: "translation" })).toBe(true);
        expect(metric("DeliveryFailures")).toBe(1);
        expect(metric("SessionBatchFailures")).toBeGreaterThanOrEqual(1);
      },
    );
  });

  it("the S3 put fails once (every attempt of one request)", { timeout: 180_000 }, async () => {
    await withFault(
      // The Spanish audio's request fails on each of the SDK's 3 attempts; the French one goes through.
      () =>
        injector.arm({
          service: "S3Client",
          operation: "PutObjectCommand",
          input: (input) => String(input.Key).includes("/translated/es/"),
          times: 3,
          error: () => awsError("InternalError", 500),
        }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PutObjectCommand", errorName: "InternalError" })).toBe(true);
        expect(has(entries, "segment.language_failed", { part: "audio" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(3);
        expect(metric("DeliveryFailures")).toBe(1);
      },
    );
  });

  it("PostToConnection throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ operation: "PostToConnectionCommand", after: 5, times: 2, error: throttled("LimitExceededException", 429) }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PostToConnectionCommand", errorName: "LimitExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBeGreaterThanOrEqual(2);
      },
    );
  });

  it("DynamoDB throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ service: "DynamoDBClient", operation: "PutItemCommand", after: 10, times: 4, error: throttled("ProvisionedThroughputExceededException") }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { service: "DynamoDBClient", errorName: "ProvisionedThroughputExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(4);
      },
      // The table clients wait a throttle out within the SDK's retries (seconds of backoff) rather than fail the
      // batch, so the session may fall behind real time meanwhile and shed translated speech, logged and told.
      { mayShedAudio: true },
    );
  });

  it("Kinesis PutRecord throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ operation: "PutRecordCommand", after: 20, times: 2, error: throttled("ProvisionedThroughputExceededException") }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PutRecordCommand", errorName: "ProvisionedThroughputExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(2);
      },
    );
  });

  it("a batch retried after a part went out: the environment killed claiming the segment's next part", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "delivery.claimed", recipients: /#part1$/, part: "caption", fired: false }),
      (entries, metric) => {
        expect(kill?.fired ?? true).toBe(true);
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
      },
      { partsListener: true },
    );
  });

  it("an end during a reconnect, sent before the backlog's last 3 seconds", { timeout: 180_000 }, async () => {
    let lastEndMs = 0;
    await withFault(
      () => {},
      (entries) => {
        // Whichever of the end and the backlog reaches the stream first (the end waits for the backlog when it is
        // first), the last utterance was heard to its end, from chunks that reached the stream after the end.
        expect(lastEndMs).toBeGreaterThanOrEqual(talk.utterances.at(-1)!.voicedEndMs - 500);
        expect(has(entries, "consumer.end_without_chunks")).toBe(false);
      },
      { endBeforeBacklog: 30 },
      (run) => (lastEndMs = run.lastEndMs),
    );
  });

  it("a shard split mid-segment, then every environment cold: the open segment read back across the split", { timeout: 180_000 }, async () => {
    let parent: string | undefined;
    const from = log.entries.length;
    const checkpoints = Checkpoint.entity(local.adapters.db.config);
    await withFault(
      () => {},
      (entries, metric) => {
        expect(parent).toBeDefined();
        // The event source read the parent shard to its end, then its children.
        expect(has(entries, "event_source.shard_finished", { shardId: parent })).toBe(true);
        // A cold environment rebuilt the open segment from records on both sides of the split.
        expect(has(entries, "consumer.replayed", { shards: 2 })).toBe(true);
        expect(metric("EnvironmentsReplaced")).toBeGreaterThanOrEqual(1);
        expect(has(log.entries.slice(from), "event_source.record_discarded")).toBe(false);
        expect(metric("ChunksSkipped")).toBe(0);
      },
      {
        // In real time, so that the segment is still open when the environments go cold.
        speed: 1,
        at: {
          [intoSecondUtterance(500)]: async (sessionId) => (parent = await splitShardHolding(local.stream.client, local.stream.name, sessionId)),
          [intoSecondUtterance(1000)]: async (sessionId) => {
            // Once the checkpoint's replay range reaches into a child shard, every environment goes cold.
            const deadline = Date.now() + scaledTimeout(30_000);
            while (!(await Checkpoint.read(checkpoints, sessionId))?.replayAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
            await local.environments.replaceAll("cold");
          },
        },
      },
    );
  });

  it("a deploy with a live session: new code in new environments mid-segment, the parts numbered on", { timeout: 180_000 }, async () => {
    let deployedAt = 0;
    await withFault(
      () => {},
      (entries, metric) => {
        expect(has(entries, "local.deployed")).toBe(true);
        expect(metric("EnvironmentsReplaced")).toBeGreaterThanOrEqual(1);
        // The new code read the checkpoint the old code wrote, and rebuilt the session from it.
        expect(log.entries.slice(deployedAt).some((e) => e.event === "consumer.replayed")).toBe(true);
      },
      {
        partsListener: true,
        at: {
          [intoSecondUtterance(1500)]: () => {
            deployedAt = log.entries.length;
            return local.deploy();
          },
        },
      },
    );
  });

  it("a 60-second reconnect backlog: the speaker app's minute of audio sent at once, one chunk held back", { timeout: 900_000 }, async () => {
    const dropAfter = 40;
    // API Gateway runs a connection's messages side by side; one invocation of the burst is held back (a cold
    // start) while the chunks after it reach the stream.
    local.gateway.messageConcurrency = 8;
    let speakers: ProtocolClient[] = [];
    try {
      await withFault(
        () => injector.arm({ operation: "PutRecordCommand", input: (input) => chunkIndexOf(input) === dropAfter + 100, times: 1, delayMs: 500 }),
        (entries, metric) => {
          expect(has(entries, "aws.attempt_failed")).toBe(false);
          // The held-back chunk was waited for: nothing skipped as a gap, nothing dropped as late.
          expect(metric("ChunksReordered")).toBeGreaterThanOrEqual(1);
          expect(metric("ChunksSkipped")).toBe(0);
          expect(metric("LateChunksDropped")).toBe(0);
          expect(has(entries, "consumer.chunk_index_reused")).toBe(false);
          // Catching up on a minute, the consumer may shed translated speech: the speaker is told.
          const shedAny = entries.some((e) => /^(segment|part)\.done$/.test(String(e.event)) && (e.languages as { audioShed?: boolean }[]).some((l) => l.audioShed));
          const told = speakers.some((c) => c.messages("sessionStatus").some((m) => m.shedding?.includes("audio")));
          if (shedAny) expect(told, "the speaker told that speech is shed").toBe(true);
        },
        { reconnect: { dropAfter, backlog: 600 }, talk: longTalk, speed: 1, mayShedAudio: true, partsListener: true },
        (run) => (speakers = run.speakers),
      );
    } finally {
      local.gateway.messageConcurrency = 1;
    }
  });

  it("an end whose backlog never comes: the session ends after the wait, the lost chunks named, counted and told", { timeout: 180_000 }, async () => {
    let told: unknown[] = [];
    await withFault(
      () => {},
      (entries, metric) => {
        expect(entries.find((e) => e.event === "consumer.end_without_chunks")).toMatchObject({ missing: 30 });
        expect(metric("ChunksSkipped")).toBe(30);
        expect(told).toEqual([{ type: "sessionEnded", sessionId: expect.any(String), chunksLost: 30 }]);
      },
      { endBeforeBacklog: 30, loseBacklog: true },
      (run) => (told = run.speakers[0]!.messages("sessionEnded")),
    );
  });

  it("a chunk delayed by a second", { timeout: 180_000 }, async () => {
    await withFault(
      () => {},
      (entries, metric) => {
        expect(has(entries, "consumer.chunks_reordered")).toBe(true);
        expect(metric("ChunksReordered")).toBeGreaterThanOrEqual(10);
        expect(metric("ChunksSkipped")).toBe(0);
      },
      { delayChunk: 30 },
    );
  });
});
