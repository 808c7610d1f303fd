import { memoryLog } from "@livetranslate/core/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalMode, startLocal } from "./server.ts";

describe("listener download reports in local mode", () => {
  let local: LocalMode;
  let sessionId: string;
  const log = memoryLog();
  beforeAll(async () => {
    local = await startLocal({ port: 0, log });
    const created = await fetch(`${local.url}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }) });
    ({ sessionId } = (await created.json()) as { sessionId: string });
  });
  afterAll(() => local?.close());

  const post = (body: unknown) =>
    fetch(`${local.url}/listener-reports`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("logs a valid report as a measurement", async () => {
    // Act
    const response = await post({ sessionId, language: "es", downloads: [{ latencyMs: 210, ok: true }, { latencyMs: 900, ok: false }] });
    // Assess
    expect(response.status).toBe(204);
    expect(log.entries).toContainEqual(
      expect.objectContaining({ event: "listener.audio_downloads", sessionId, language: "es", downloads: 2, failures: 1, latencyMs: [210] }),
    );
  });

  it("refuses a malformed report by name and logs nothing", async () => {
    const before = log.entries.filter((e) => e.event === "listener.audio_downloads").length;
    const response = await post({ sessionId, language: "es", downloads: [{ latencyMs: "fast", ok: true }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "bad_request" });
    expect(log.entries.filter((e) => e.event === "listener.audio_downloads")).toHaveLength(before);
  });
});
