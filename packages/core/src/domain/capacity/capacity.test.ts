import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BroadcastRun, capacityPlan, type MeteredRun } from "./index.ts";

const runs = (JSON.parse(readFileSync(new URL("./fixture-results.json", import.meta.url), "utf8")) as { metered: MeteredRun[] }).metered;
const prices = (JSON.parse(readFileSync(new URL("../../../../../bench/prices.json", import.meta.url), "utf8")) as { prices: Record<string, number> }).prices;
// The fan-out by broadcast: 4 languages of 10 listeners, one publish per part and language, every listener reached.
const broadcast: BroadcastRun[] = [{ listeners: 40, languages: 4, listenersPerLanguage: 10, publishesPerPart: 4, listenersReachedPerPartAndLanguage: 10 }];
const rateOf = (plan: ReturnType<typeof capacityPlan>, id: string) => plan.services.find((s) => s.quota === id)!;

describe("capacityPlan, from a small metered results file", () => {
  it("scales the run's counts per part and language and per part and listener to the venue", () => {
    // 10 sessions x 50 listeners x 10 languages: 0.5 parts/s a session, each voiced once per heard language.
    const plan = capacityPlan(runs, broadcast, { sessions: 10, listeners: 50, languages: 10 }, prices);
    expect(plan.venue).toMatchObject({ heard: 10, joinSeconds: 120 });
    expect(rateOf(plan, "synthesisNeural")).toMatchObject({ rate: 50, limit: 8, ratio: 6.25 });
    // One TranslateText per part for each pair (en > es, ...).
    expect(rateOf(plan, "translation")).toMatchObject({ rate: 5, ratio: 0.25 });
    // Per session: listeners take parts by broadcast, so only the speaker's 4 posts/s, its ping and pong every 50 s
    // and its 10 chunks/s reach the WebSocket; and the HTTP API's heartbeats (one per listener every 300 s: presence
    // comes from the broker's lifecycle events, renewals only keep the token) and joins (50 in 120 s).
    expect(rateOf(plan, "apiGatewayRequests").rate).toBeCloseTo(10 * (4 + 0.02 + 10 + 0.02 + 50 / 300 + 50 / 120), 1);
    // IoT Core: one publish per part and heard language (0.5 parts/s x 10), one delivery per part and listener.
    expect(rateOf(plan, "broadcastInbound")).toMatchObject({ rate: 50, limit: 20_000 });
    expect(rateOf(plan, "broadcastOutbound")).toMatchObject({ rate: 250, limit: 20_000 });
    expect(rateOf(plan, "broadcastConnects").rate).toBeCloseTo((10 * 50) / 120, 2);
    expect(rateOf(plan, "broadcastSubscriptions").rate).toBeCloseTo((10 * 50) / 120, 2);
    expect(rateOf(plan, "broadcastPerConnection")).toMatchObject({ rate: 0.5, limit: 100 });
    // The rates are the sticky run's; Transcribe's streams the sticky run's too (1 a session), as the consumer service
    // holds each session's stream in one process. Random routing's 4 a session count only without a sticky run.
    expect(plan.routing).toBe("sticky");
    expect(rateOf(plan, "recognizerStreams")).toMatchObject({ rate: 10, ratio: 0.4 });
    const randomOnly = capacityPlan(runs.filter((r) => r.routing === "random"), broadcast, { sessions: 10, listeners: 50, languages: 10 }, prices);
    expect(rateOf(randomOnly, "recognizerStreams")).toMatchObject({ rate: 40 });
    // New WebSocket connections: the speakers only.
    expect(rateOf(plan, "newConnections").rate).toBeCloseTo(10 / 120, 2);
    expect(plan.kinesisShards).toBe(1);
  });

  it("names the binding quotas, most exceeded first, with the increase to request", () => {
    const plan = capacityPlan(runs, broadcast, { sessions: 100, listeners: 500, languages: 20, heard: 5 }, prices);
    expect(plan.binding.map((b) => b.name)[0]).toMatch(/Polly/);
    const polly = plan.binding.find((b) => /Polly/.test(b.name))!;
    expect(polly).toMatchObject({ ratio: 31.25, request: Math.ceil(250 * 1.25) });
    expect(polly.increase).toMatch(/Service Quotas/);
    // 100 x 500: 25 000 deliveries a second against IoT Core's 20 000 outbound publishes; API Gateway's account
    // rate is no longer met (the speakers' messages and the listeners' heartbeats and joins).
    expect(plan.binding.find((b) => b.name.startsWith("IoT Core outbound"))).toMatchObject({ ratio: 1.25, request: Math.ceil(25_000 * 1.25) });
    expect(plan.binding.some((b) => /API Gateway requests/.test(b.name))).toBe(false);
    for (let i = 1; i < plan.binding.length; i++) expect(plan.binding[i]!.ratio).toBeLessThanOrEqual(plan.binding[i - 1]!.ratio);
  });

  it("prices a session-hour from everything billed, per routing: Transcribe as billed (15 s minimum per request included)", () => {
    const plan = capacityPlan(runs, broadcast, { sessions: 10, listeners: 50, languages: 10, heard: 5 }, prices);
    // Sticky: 100 billed seconds per 100 s of speech, an hour of Transcribe; random: 3.8x that.
    expect(plan.cost.sticky.items.transcribe).toBeCloseTo(60 * prices.transcribe_streaming_per_minute!, 3);
    expect(plan.cost.random.items.transcribe).toBeCloseTo(3.8 * 60 * prices.transcribe_streaming_per_minute!, 3);
    for (const item of ["translate", "polly_neural", "kinesis", "websocket", "http_api", "iot_core", "lambda", "dynamodb", "s3"]) expect(plan.cost.sticky.items[item], item).toBeGreaterThan(0);
    // IoT Core: 0.5 parts/s x (5 publishes + 50 deliveries), each under 5 KB, for an hour; 50 connections an hour.
    expect(plan.cost.sticky.items.iot_core).toBeCloseTo((0.5 * 55 * 3600 * prices.iot_core_per_million_messages! + 50 * 60 * prices.iot_core_per_million_connection_minutes!) / 1e6, 3);
    expect(plan.cost.random.total).toBeGreaterThan(plan.cost.sticky.total);
    // The consumer service's one task-hour (1 vCPU, 2 GB, its public address), shared by the venue's 10 sessions.
    const taskHour = prices.fargate_per_vcpu_hour! + 2 * prices.fargate_per_gb_hour! + prices.public_ipv4_per_hour!;
    expect(plan.cost.sticky.items.consumer_task).toBeCloseTo(taskHour / 10, 3);
  });

  it("names a venue it cannot plan", () => {
    expect(() => capacityPlan(runs, broadcast, { sessions: 0, listeners: 5, languages: 2 }, prices)).toThrow(/--sessions must be a whole number above 0, not 0/);
    expect(() => capacityPlan(runs, broadcast, { sessions: 1, listeners: 5, languages: 2, heard: 3 }, prices)).toThrow(/--heard must be a whole number from 1 to the languages \(2\)/);
    expect(() => capacityPlan([], broadcast, { sessions: 1, listeners: 5, languages: 2 }, prices)).toThrow(/at least one metered run/);
    expect(() => capacityPlan(runs, [], { sessions: 1, listeners: 5, languages: 2 }, prices)).toThrow(/at least one run of the fan-out by broadcast/);
    expect(() => capacityPlan(runs, broadcast, { sessions: 1, listeners: 5, languages: 2 }, { ...prices, polly_neural_per_million_chars: undefined! })).toThrow(/polly_neural_per_million_chars/);
  });
});
