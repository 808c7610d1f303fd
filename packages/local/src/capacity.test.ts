import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { capacityPlan } from "@livetranslate/core/domain/capacity";
import { parseArguments, planJson, planTable, readBroadcastRuns, readMeteredRuns } from "./capacity.ts";

const fixture = fileURLToPath(new URL("../../core/src/domain/capacity/fixture-results.json", import.meta.url));
const prices = (JSON.parse(readFileSync(new URL("../../../bench/prices.json", import.meta.url), "utf8")) as { prices: Record<string, number> }).prices;

describe("pnpm capacity", () => {
  it("reads the venue from the command line", () => {
    expect(parseArguments(["--sessions", "100", "--listeners", "500", "--languages", "20", "--heard", "5", "--json"])).toEqual({
      venue: { sessions: 100, listeners: 500, languages: 20, heard: 5, joinSeconds: undefined },
      json: true,
      results: undefined,
      broadcastResults: undefined,
    });
  });

  it("names a bad or missing option", () => {
    expect(() => parseArguments(["--listeners", "5", "--languages", "2"])).toThrow(/--sessions is required/);
    expect(() => parseArguments(["--sessions", "ten", "--listeners", "5", "--languages", "2"])).toThrow(/--sessions must be a whole number above 0, not "ten"/);
    expect(() => parseArguments(["--sessions", "1", "--listeners", "--languages", "2"])).toThrow(/--listeners needs a value/);
    expect(() => parseArguments(["--sessions", "1", "--listeners", "5", "--languages", "2", "--speakers", "3"])).toThrow(/unknown option --speakers/);
  });

  it("prints { services: [{ name, rate, quota, unit, ratio }], binding, costPerSessionHour } and a table", () => {
    const plan = capacityPlan(readMeteredRuns(fixture), readBroadcastRuns(fixture), { sessions: 10, listeners: 50, languages: 10 }, prices);
    const json = planJson(plan);
    expect(json.services[0]).toEqual({ name: expect.any(String), rate: expect.any(Number), quota: expect.any(Number), unit: expect.any(String), ratio: expect.any(Number) });
    expect(json.binding.length).toBeGreaterThan(0);
    expect(json.costPerSessionHour).toBe(plan.cost.random.total);
    const table = planTable(plan, "fixture", "broadcast fixture");
    expect(table).toMatch(/Polly SynthesizeSpeech \(neural\).*binds/);
    expect(table).toMatch(/IoT Core outbound publishes \(one per part and listener\)\s+250\s+20000\s+publishes\/s/);
    expect(json.services.find((s) => s.name.startsWith("IoT Core inbound"))).toMatchObject({ rate: 50, quota: 20_000 });
    expect(table).toMatch(/Kinesis shards\s+1/);
  });

  it("reads the fan-out by broadcast's counts per part as the benchmark writes them", () => {
    expect(readBroadcastRuns(fixture)).toEqual([{ listeners: 40, languages: 4, listenersPerLanguage: 10, publishesPerPart: 4, listenersReachedPerPartAndLanguage: 10 }]);
  });

  it("names a results file with no metered runs, or no fan-out by broadcast", () => {
    expect(() => readMeteredRuns(fileURLToPath(new URL("../package.json", import.meta.url)))).toThrow(/holds no metered runs/);
    expect(() => readBroadcastRuns(fileURLToPath(new URL("../package.json", import.meta.url)))).toThrow(/holds no fan-out by broadcast runs/);
  });
});

