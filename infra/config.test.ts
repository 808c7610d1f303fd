/** The deploy-time settings of infra/config.ts, read from the environment of `sst deploy`. */
import { afterEach, describe, expect, it, vi } from "vitest";

const load = async (env: Record<string, string>) => {
  vi.resetModules();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import("./config")).config;
};

describe("deploy settings", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("overrides the event source settings packages/functions defines", async () => {
    // Act
    const config = await load({ LIVETRANSLATE_BATCH_SIZE: "50", LIVETRANSLATE_BATCH_WINDOW_SECONDS: "1", LIVETRANSLATE_PARALLELIZATION: "2" });
    // Assess
    expect(config.eventSource).toMatchObject({ batchSize: 50, maximumBatchingWindowInSeconds: 1, parallelizationFactor: 2, maximumRetryAttempts: 3 });
  });

  it("stops the deploy on a setting that is not a whole number, naming it", async () => {
    await expect(load({ LIVETRANSLATE_BATCH_SIZE: "lots" })).rejects.toThrow('LIVETRANSLATE_BATCH_SIZE must be a whole number, not "lots"');
    await expect(load({ LIVETRANSLATE_PARALLELIZATION: "2.5" })).rejects.toThrow("LIVETRANSLATE_PARALLELIZATION");
  });
});
