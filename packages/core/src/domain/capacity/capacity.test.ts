import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BroadcastRun, capacityPlan, type MeteredRun } from "./index.ts";

const runs = (JSON.parse(readFileSync(new URL("./fixture-results.json", import.meta.url), "utf8")) as { metered: MeteredRun[] }).metered;
const prices = (JSON.parse(readFileSync(new URL("../../../../../bench/prices.json", import.meta.url), "utf8")) as { prices: Record<string, number> }).prices;
// The fan-out by broadcast: 4 languages of 10 listeners, one publish per part and language, every listener reached.
const broadcast: BroadcastRun[] = [{ listeners: 40, languages: 4, listenersPerLanguage: 10, publishesPerPart: 4, listenersReachedPerPartAndLanguage: 10 }];
const rateOf = (plan: ReturnType<typeof capacityPlan>, id: string) => plan.services.find((s) => s.quota === id)!;
// The same runs with their 4 listeners by broadcast: only the speaker's 400 posts reach the WebSocket; one publish
// per part and language of 6 000 bytes (two of IoT Core's 5 KB steps); every listener got every part; each joined,
// renewed its pass 10 times in the 400 s it listened (a write each) and left (three writes each way: the pass, its
// admission place, the session's admission counter, 400 bytes as the speaker's status read it; and a read of its
// place on the way in); the consumer read the session's passes 100 times.
const byBroadcast: MeteredRun[] = runs.map((run) => ({
  ...run,
  requests: {
    ...run.requests,
    postToConnection: 400,
    posts: { transcript: 300, sessionStatus: 100 },
    table: {
      ...run.requests.table,
      "Query connection": { requests: 100, items: 100, bytes: 20_000, consistent: 0 },
      "Query broadcastlistener": { requests: 100, items: 400, bytes: 80_000, consistent: 0 },
      "PutItem broadcastlistener": { requests: 44, items: 44, bytes: 8800, consistent: 0 },
      "UpdateItem admission": { requests: 8, items: 0, bytes: 0, consistent: 0 },
      "GetItem admissionplace": { requests: 4, items: 0, bytes: 0, consistent: 4 },
      "PutItem admissionplace": { requests: 4, items: 4, bytes: 600, consistent: 0 },
      "DeleteItem admissionplace": { requests: 4, items: 0, bytes: 0, consistent: 0 },
      "DeleteItem broadcastlistener": { requests: 4, items: 0, bytes: 0, consistent: 0 },
      "GetItem admission": { requests: 100, items: 100, bytes: 40_000, consistent: 0 },
    },
  },
  broadcast: {
    listenedSeconds: 400,
    publishes: { part: { count: 100, bytes: 600_000, largestBytes: 7000 }, sessionEnded: { count: 2, bytes: 100, largestBytes: 50 } },
    partsReceived: 200,
    httpRequests: { "POST /sessions/:sessionId/listeners": 4, "PUT /sessions/:sessionId/listeners/:listenerId": 40, "DELETE /sessions/:sessionId/listeners/:listenerId": 4 },
    joinTable: {
      "PutItem broadcastlistener": { requests: 4, items: 4, bytes: 800, consistent: 0 },
      "GetItem admissionplace": { requests: 4, items: 0, bytes: 0, consistent: 4 },
      "UpdateItem admission": { requests: 4, items: 0, bytes: 0, consistent: 0 },
      "PutItem admissionplace": { requests: 4, items: 4, bytes: 600, consistent: 0 },
    },
    leaveTable: {
      "DeleteItem broadcastlistener": { requests: 4, items: 0, bytes: 0, consistent: 0 },
      "DeleteItem admissionplace": { requests: 4, items: 0, bytes: 0, consistent: 0 },
      "UpdateItem admission": { requests: 4, items: 0, bytes: 0, consistent: 0 },
    },
  },
}));

describe("capacityPlan, from a metered run with listeners by broadcast", () => {
  it("takes publishes and deliveries per part, a part message's size, joins and heartbeats from the run itself", () => {
    // Arrange / Act: no run of the fan-out by broadcast is needed.
    const plan = capacityPlan(byBroadcast, [], { sessions: 10, listeners: 50, languages: 10 }, prices);
    // Assess
    expect(plan.fanoutFrom).toBe("metered run");
    expect(rateOf(plan, "broadcastInbound")).toMatchObject({ rate: 50 });
    expect(rateOf(plan, "broadcastOutbound")).toMatchObject({ rate: 250 });
    // The speaker's 4 posts/s and 10 chunks/s (no pings); 50 heartbeats every 40 s; one join each in 120 s.
    expect(rateOf(plan, "apiGatewayRequests").rate).toBeCloseTo(10 * (4 + 10 + 50 / 40 + 50 / 120), 1);
    // One session's reads of its passes (50 of 200 bytes: 3 read units, eventually consistent) and its speaker.
    expect(rateOf(plan, "partitionReads").rate).toBeCloseTo(1 * 3 * 0.5 + 1 * 1 * 0.5, 2);
    // On top of the same claims and checkpoints: 50 listeners' renewals (one write each per 40 s) and, while the
    // doors are open, their joins in 120 s: the pass, the admission place and the admission counter, one write unit
    // each whatever the audience; the leaves are not a rate.
    const overWebSocket = capacityPlan(runs, broadcast, { sessions: 10, listeners: 50, languages: 10 }, prices);
    expect(rateOf(plan, "tableWrites").rate - rateOf(overWebSocket, "tableWrites").rate).toBeCloseTo(10 * (50 / 40 + (50 * 3) / 120), 1);
    // The same at ten times the audience: each join still writes three units.
    const larger = capacityPlan(byBroadcast, [], { sessions: 10, listeners: 500, languages: 10 }, prices);
    const largerOverWebSocket = capacityPlan(runs, broadcast, { sessions: 10, listeners: 500, languages: 10 }, prices);
    expect(rateOf(larger, "tableWrites").rate - rateOf(largerOverWebSocket, "tableWrites").rate).toBeCloseTo(10 * (500 / 40 + (500 * 3) / 120), 1);
  });

  it("bills IoT Core's messages in 5 KB steps of the part message's measured size, and the HTTP API's joins and leaves", () => {
    const plan = capacityPlan(byBroadcast, [], { sessions: 10, listeners: 50, languages: 10, heard: 5 }, prices);
    // 0.5 parts/s x (5 publishes + 50 deliveries), two steps each, for an hour; 50 connections an hour.
    expect(plan.cost.sticky.items.iot_core).toBeCloseTo((0.5 * 55 * 2 * 3600 * prices.iot_core_per_million_messages! + 50 * 60 * prices.iot_core_per_million_connection_minutes!) / 1e6, 3);
    expect(plan.cost.sticky.items.http_api).toBeCloseTo(((50 / 40) * 3600 + 50 * 2) / 1e6 * prices.apigw_http_per_million_requests!, 3);
  });
});

describe("capacityPlan, from a small metered results file (listeners on the WebSocket) and a fan-out by broadcast", () => {
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

  it("counts each listener's handlers at its join and leave: in Lambda's concurrency while the doors are open, and in the cost", () => {
    // Arrange: the same venue with its doors open for 120 s and for 12 s.
    const venue = { sessions: 10, listeners: 50, languages: 10 };
    const slow = capacityPlan(byBroadcast, [], { ...venue, joinSeconds: 120 }, prices);
    const fast = capacityPlan(byBroadcast, [], { ...venue, joinSeconds: 12 }, prices);
    // Assess: per listener, its HTTP join, the authorizer and the presence handler at its broker connection, 20 ms each.
    const more = (10 * 50 * 3 * (1 / 12 - 1 / 120) * 20) / 1000;
    expect(fast.lambdaConcurrency.total - slow.lambdaConcurrency.total).toBeGreaterThanOrEqual(Math.floor(more));
    expect(fast.lambdaConcurrency.total - slow.lambdaConcurrency.total).toBeLessThanOrEqual(Math.ceil(more) + 1);
    // The presence rule, triggered with its action at each listener's connected and disconnected events.
    const crowd = { sessions: 1, listeners: 500_000, languages: 10 };
    const rulesPriced = capacityPlan(byBroadcast, [], crowd, prices).cost.sticky.items.iot_core!;
    const rulesFree = capacityPlan(byBroadcast, [], crowd, { ...prices, iot_core_rules_per_million_triggered: 0, iot_core_rules_per_million_actions: 0 }).cost.sticky.items.iot_core!;
    expect(rulesPriced - rulesFree).toBeCloseTo((500_000 * 2 * (prices.iot_core_rules_per_million_triggered! + prices.iot_core_rules_per_million_actions!)) / 1e6, 2);
  });

  it("reads the parts a channel owes at each part's publish to each language heard: a rate of parts and languages, not of the run's", () => {
    // Arrange: the run asked, strongly consistent, before each of its 50 parts' publishes to its 2 languages.
    const asking = byBroadcast.map((run) => ({ ...run, requests: { ...run.requests, table: { ...run.requests.table, "Query carriedpart": { requests: 100, items: 0, bytes: 0, consistent: 100 } } } }));
    const venue = { sessions: 10, listeners: 50, languages: 10, heard: 5 };
    // Act
    const more = rateOf(capacityPlan(asking, [], venue, prices), "tableReads").rate - rateOf(capacityPlan(byBroadcast, [], venue, prices), "tableReads").rate;
    // Assess: 0.5 parts a second, to 5 languages heard, one read unit each, in 10 sessions.
    expect(more).toBeCloseTo(10 * 0.5 * 5, 1);
  });

  it("names a venue it cannot plan", () => {
    expect(() => capacityPlan(runs, broadcast, { sessions: 0, listeners: 5, languages: 2 }, prices)).toThrow(/--sessions must be a whole number above 0, not 0/);
    expect(() => capacityPlan(runs, broadcast, { sessions: 1, listeners: 5, languages: 2, heard: 3 }, prices)).toThrow(/--heard must be a whole number from 1 to the languages \(2\)/);
    expect(() => capacityPlan([], broadcast, { sessions: 1, listeners: 5, languages: 2 }, prices)).toThrow(/at least one metered run/);
    expect(() => capacityPlan(runs, [], { sessions: 1, listeners: 5, languages: 2 }, prices)).toThrow(/no listeners by broadcast: the capacity plan needs a run of the fan-out by broadcast/);
    expect(() => capacityPlan(runs, broadcast, { sessions: 1, listeners: 5, languages: 2 }, { ...prices, polly_neural_per_million_chars: undefined! })).toThrow(/polly_neural_per_million_chars/);
  });
});
