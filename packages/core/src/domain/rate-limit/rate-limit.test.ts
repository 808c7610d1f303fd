import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimit } from "./index.ts";

describe("RateLimit: requests per client and window, counted in the table", () => {
  let dynamo: TestTable;
  beforeAll(async () => {
    dynamo = await startTestTable("rate-limit");
  });
  afterAll(() => dynamo.close());

  it("counts concurrent requests each once, in one window from the first request", async () => {
    // Act: twenty requests at once, as from several execution environments.
    const counted = await Promise.all(Array.from({ length: 20 }, () => RateLimit.hit(dynamo.db, "reports 192.0.2.1", 60_000, 1_000_000)));
    // Assess
    expect(counted.map((c) => c.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(counted.map((c) => c.resetAt))).toEqual(new Set([1_060_000]));
  });

  it("starts again when the window has ended, keeps clients apart, and takes a request back", async () => {
    const hit = (key: string, at: number) => RateLimit.hit(dynamo.db, key, 60_000, at);
    await hit("reports 192.0.2.2", 0);
    expect(await hit("reports 192.0.2.2", 59_999)).toEqual({ hits: 2, resetAt: 60_000 });
    expect(await hit("reports 192.0.2.2", 60_000)).toEqual({ hits: 1, resetAt: 120_000 });
    expect(await hit("reports 192.0.2.3", 60_000)).toEqual({ hits: 1, resetAt: 120_000 });
    await RateLimit.unhit(dynamo.db, "reports 192.0.2.3", 60_001);
    expect(await hit("reports 192.0.2.3", 60_002)).toEqual({ hits: 1, resetAt: 120_000 });
    // After its window nothing is taken back; a reset forgets the client.
    await RateLimit.unhit(dynamo.db, "reports 192.0.2.3", 500_000);
    await RateLimit.reset(dynamo.db, "reports 192.0.2.2");
    expect(await hit("reports 192.0.2.2", 60_001)).toEqual({ hits: 1, resetAt: 120_001 });
  });
});
