import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryMeasurements } from "../../adapters/memory/index.ts";
import { pollyThrottling, postThrottling, publishThrottling, throttledPublisher, TokenBucket, translateThrottling } from "../../adapters/quota/index.ts";
import type { ServerMessage } from "../../protocol/index.ts";
import type { Audience } from "../../domain/audience/index.ts";
import type { Db } from "../../domain/db/index.ts";
import { memoryLog } from "../../log.ts";
import type { ConnectionNotifier, SpeechSynthesizer, SynthesisOptions, Translator } from "../../ports/index.ts";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { announceEnd, type PipelineDeps, runSegment, type SegmentJob } from "./index.ts";
import { CAPTION_RETRY, QUOTA_RETRY, withinQuota } from "./quota.ts";

let table: TestTable;
let db: Db;
let sessions = 0;

beforeAll(async () => {
  table = await startTestTable("quota");
  db = table.db;
});
afterAll(() => table.close());

/** Services under a sustained quota: each refuses what the test says, every time, as AWS answers it. */
function underQuota(refuse: { neural?: boolean; standard?: boolean; translation?: boolean; postsTo?: string[] }) {
  const sent: { to: string; message: ServerMessage }[] = [];
  const calls = { neural: 0, standard: 0, translations: 0, posts: 0 };
  const waits: number[] = [];
  const notifier: ConnectionNotifier = {
    async post(to, message) {
      calls.posts++;
      if (refuse.postsTo?.includes(to)) throw postThrottling();
      sent.push({ to, message });
      return "delivered";
    },
    async disconnect() {},
  };
  const translator: Translator = {
    pairs: [],
    async translate(text, _source, target) {
      calls.translations++;
      if (refuse.translation) throw translateThrottling();
      return `[${target}] ${text}`;
    },
  };
  const synthesizer: SpeechSynthesizer = {
    languages: ["es", "fr"],
    async synthesize(text, _language, options?: SynthesisOptions) {
      const engine = options?.engine ?? "neural";
      calls[engine]++;
      if (refuse[engine]) throw pollyThrottling();
      return { data: new TextEncoder().encode(`${engine}:${text}`), format: "audio/wav", durationSeconds: 1 };
    },
  };
  const stored: string[] = [];
  const log = memoryLog();
  const measurements = memoryMeasurements();
  const deps: PipelineDeps = {
    db,
    translator,
    synthesizer,
    audioStore: { put: async (key, data) => void stored.push(`${key}=${new TextDecoder().decode(data)}`), presignedUrl: async (key) => `http://store/${key}` },
    notifier,
    log,
    measurements,
    sleep: async (ms) => void waits.push(ms),
  };
  return { deps, sent, calls, waits, stored, log, measurements };
}

const audience = (): Audience => ({
  speakers: ["spk"],
  listenersByLanguage: new Map([
    ["es", ["es1", "es2"]],
    ["fr", ["fr1"]],
  ]),
  partListenersByLanguage: new Map(),
});

function job(overrides: Partial<SegmentJob> = {}): SegmentJob {
  return {
    sessionId: `quota-${++sessions}`,
    sourceLanguage: "en",
    targetLanguages: ["es", "fr"],
    audience: audience(),
    sequenceNumber: 3,
    startMs: 0,
    endMs: 2000,
    text: "hello world",
    times: { speechEndCapturedAt: 0, ingestedAt: 0, closedAt: 0, transcribedAt: 0 },
    revision: 1,
    ...overrides,
  };
}

const typesTo = (sent: { to: string; message: ServerMessage }[], id: string) => sent.filter((s) => s.to === id).map((s) => s.message.type);

describe("withinQuota", () => {
  it("retries a quota error with jittered, growing waits within the budget, then throws it", async () => {
    const waits: number[] = [];
    let attempts = 0;
    const error = await withinQuota(
      async () => {
        attempts++;
        throw pollyThrottling();
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 1 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ThrottlingException" });
    expect(attempts).toBe(QUOTA_RETRY.attempts);
    expect(waits).toEqual([100, 200]);
  });

  it("does not retry an error that is not a quota's", async () => {
    let attempts = 0;
    await expect(
      withinQuota(async () => {
        attempts++;
        throw new Error("engine crashed");
      }),
    ).rejects.toThrow(/crashed/);
    expect(attempts).toBe(1);
  });
});

describe("a sustained quota never fails the segment", () => {
  it("neural voice throttled: the standard voice within the budget; counted, logged and reported", async () => {
    const q = underQuota({ neural: true });
    const result = await runSegment(q.deps, job());
    expect(result).toMatchObject({ incomplete: false, sent: true, quotas: ["synthesis"] });
    for (const id of ["es1", "es2", "fr1"]) expect(typesTo(q.sent, id)).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(q.stored.every((s) => s.includes("=standard:"))).toBe(true);
    expect(result.languages.map((l) => l.degraded)).toEqual(["standardVoice", "standardVoice"]);
    expect(q.calls.neural).toBe(2 * QUOTA_RETRY.attempts);
    expect(q.measurements.get("AudioDegradedToStandardVoice")).toBe(2);
    expect(q.log.entries.filter((e) => e.event === "quota.degraded" && e.to === "standardVoice")).toHaveLength(2);
  });

  it("both voices throttled: captions only for that part, the audio given up (never sent later, no message twice)", async () => {
    const q = underQuota({ neural: true, standard: true });
    const segment = job();
    const result = await runSegment(q.deps, segment);
    expect(result).toMatchObject({ incomplete: false, quotas: ["synthesis"] });
    for (const id of ["es1", "es2", "fr1"]) expect(typesTo(q.sent, id)).toEqual(["transcript", "translation"]);
    expect(typesTo(q.sent, "spk")).toEqual(["transcript"]);
    expect(result.languages.map((l) => l.degraded)).toEqual(["captionsOnly", "captionsOnly"]);
    expect(q.measurements.get("AudioDegradedToCaptions")).toBe(2);
    // The same part again (a batch retried for another reason): nothing is sent or synthesized twice.
    const before = { ...q.calls, sent: q.sent.length };
    const again = await runSegment(q.deps, segment);
    expect(again).toMatchObject({ incomplete: false, sent: false });
    expect({ ...q.calls, sent: q.sent.length }).toEqual(before);
  });

  it("translation throttled: listeners keep the caption, the part goes without translation or speech", async () => {
    const q = underQuota({ translation: true });
    const result = await runSegment(q.deps, job());
    expect(result).toMatchObject({ incomplete: false, quotas: ["translation"] });
    for (const id of ["es1", "es2", "fr1"]) expect(typesTo(q.sent, id)).toEqual(["transcript"]);
    expect(q.calls.neural + q.calls.standard).toBe(0);
    expect(q.measurements.get("TranslationsDegradedToCaptions")).toBe(2);
  });

  it("posts throttled for one listener: dropped for that listener only, counted; nobody else misses or repeats a message", async () => {
    const q = underQuota({ postsTo: ["es2"] });
    const segment = job();
    const result = await runSegment(q.deps, segment);
    expect(result).toMatchObject({ incomplete: false, quotas: ["posts"] });
    expect(typesTo(q.sent, "es1")).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(typesTo(q.sent, "fr1")).toEqual(["transcript", "translation", "translatedAudio"]);
    expect(typesTo(q.sent, "es2")).toEqual([]);
    expect(q.measurements.get("PostsDropped")).toBe(3);
    expect(q.measurements.get("CaptionsDropped")).toBe(1);
    // The speaker, es1 and fr1 once each; es2: a caption is retried longer than the translation and the speech.
    expect(q.calls.posts).toBe(1 + 2 * 3 + CAPTION_RETRY.attempts + 2 * QUOTA_RETRY.attempts);
    expect(q.log.entries.filter((e) => e.event === "quota.post_dropped")).toHaveLength(3);
    const again = await runSegment(q.deps, segment);
    expect(again.sent).toBe(false);
    expect(typesTo(q.sent, "es1")).toHaveLength(3);
  });

  it("publishes throttled (IoT Core's inbound rate): retried within a caption's budget, then the part kept for that language's next publish, counted, logged and told; the batch goes on and repeats nothing", async () => {
    // Prepare: a publisher under IoT Core's account rate, one publish then none (the clock stands still).
    const q = underQuota({});
    const published: { language: string; message: ServerMessage }[] = [];
    let attempts = 0;
    q.deps.broadcast = throttledPublisher(
      {
        async publish(channel, message) {
          published.push({ language: channel.language, message });
        },
      },
      new TokenBucket(1, 1, () => 0),
    );
    const counting = q.deps.broadcast;
    q.deps.broadcast = { publish: (channel, message) => (attempts++, counting.publish(channel, message)) };
    const part = job({
      part: { index: 0, last: true },
      audience: { speakers: [], listenersByLanguage: new Map(), partListenersByLanguage: new Map(), broadcastListenersByLanguage: new Map([["es", ["l1"]], ["fr", ["l2"]]]) },
    });
    // Act
    const result = await runSegment(q.deps, part);
    const again = await runSegment(q.deps, part);
    
    // Assess: one language published, the other kept after a caption's budget (for its next publish), not sent again
    // by the retried batch.
    expect(published).toHaveLength(1);
    expect(attempts).toBe(1 + CAPTION_RETRY.attempts);
    expect(result.incomplete).toBe(false);
    const refused = result.languages.find((l) => l.language !== published[0]!.language)!;
    expect(refused).toMatchObject({ quotas: ["publishes"] });
    expect(result.quotas).toEqual(["publishes"]);
    expect(q.measurements.get("PublishesCarried")).toBe(1);
    expect(q.measurements.get("PublishesDropped")).toBe(0);
    expect(q.measurements.get("QuotaRetries")).toBe(CAPTION_RETRY.attempts - 1);
    // Every refused attempt: the retried ones and the last.
    expect(q.measurements.get("PublishesThrottled")).toBe(CAPTION_RETRY.attempts);
    expect(q.log.entries.filter((e) => e.event === "quota.publish_carried")).toMatchObject([{ language: refused.language, part: 0, owed: 1, errorName: "ThrottlingException" }]);
    expect(again.sent).toBe(false);
    expect(attempts).toBe(1 + CAPTION_RETRY.attempts);
  });

  it("the session's end, throttled past the short budget, still reaches every language's channel: it is said only once", async () => {
    // Prepare: each channel's publish refused as many times as the short budget allows, then let through.
    const q = underQuota({});
    const refusals = new Map<string, number>();
    const ended: string[] = [];
    q.deps.broadcast = {
      async publish(channel, message) {
        const refused = refusals.get(channel.language) ?? 0;
        if (refused < QUOTA_RETRY.attempts) {
          refusals.set(channel.language, refused + 1);
          throw publishThrottling();
        }
        if (message.type === "sessionEnded") ended.push(channel.language);
      },
    };
    // Act
    await announceEnd(q.deps, ["spk"], { sessionId: "quota-end", targetLanguages: ["es", "fr"] });
    // Assess: both channels heard the end, after the retries; nothing dropped.
    expect(ended.sort()).toEqual(["es", "fr"]);
    expect(q.measurements.get("PublishesThrottled")).toBe(2 * QUOTA_RETRY.attempts);
    expect(q.measurements.get("PublishesDropped")).toBe(0);
    expect(typesTo(q.sent, "spk")).toEqual(["sessionEnded"]);
  });
});
