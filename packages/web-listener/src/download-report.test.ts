import { ListenerReport } from "@livetranslate/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DownloadReporter } from "./download-report.ts";

const about = { sessionId: "calm-river-101", language: "es" };

describe("DownloadReporter (the listener app's download reports)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const reporter = (random: number, send = vi.fn(async (_report: ListenerReport) => undefined)) => ({
    send,
    reporter: new DownloadReporter({ send, random: () => random, sampleRate: 0.2, intervalMs: 60_000 }),
  });

  it("batches a sampled listener's downloads into one valid report a minute", () => {
    // Prepare
    const { reporter: r, send } = reporter(0.1);
    // Act
    r.record(about, { latencyMs: 120.4, ok: true });
    r.record(about, { latencyMs: 3000, ok: false });
    vi.advanceTimersByTime(59_000);
    const beforeTheMinute = send.mock.calls.length;
    vi.advanceTimersByTime(1_000);
    vi.advanceTimersByTime(60_000);
    // Assess
    expect(beforeTheMinute).toBe(0);
    expect(send.mock.calls.map(([report]) => report)).toEqual([
      { ...about, downloads: [{ latencyMs: 120, ok: true }, { latencyMs: 3000, ok: false }] },
    ]);
    expect(ListenerReport.safeParse(send.mock.calls[0]![0]).success).toBe(true);
    r.close();
  });

  it("carries a private session's key, so the server takes the report as it took the listener", () => {
    const { reporter: r, send } = reporter(0.1);
    r.record({ ...about, key: "k7m2-x9qp-4hzt-r8wn" }, { latencyMs: 90, ok: true });
    r.close();
    expect(send.mock.calls[0]![0]).toEqual({ ...about, key: "k7m2-x9qp-4hzt-r8wn", downloads: [{ latencyMs: 90, ok: true }] });
    expect(ListenerReport.safeParse(send.mock.calls[0]![0]).success).toBe(true);
  });

  it("sends at once when a batch is full (50 downloads), and each report fits the schema", () => {
    const { reporter: r, send } = reporter(0.1);
    for (let i = 0; i < 120; i++) r.record(about, { latencyMs: i, ok: true });
    expect(send.mock.calls.map(([report]) => report.downloads.length)).toEqual([50, 50]);
    r.close();
    expect(send.mock.calls.map(([report]) => report.downloads.length)).toEqual([50, 50, 20]);
    expect(send.mock.calls.every(([report]) => ListenerReport.safeParse(report).success)).toBe(true);
  });

  it("keeps one report per session and language: a language change sends what came before", () => {
    const { reporter: r, send } = reporter(0.1);
    r.record(about, { latencyMs: 100, ok: true });
    r.record({ ...about, language: "fr" }, { latencyMs: 200, ok: true });
    r.close();
    expect(send.mock.calls.map(([report]) => [report.language, report.downloads.length])).toEqual([
      ["es", 1],
      ["fr", 1],
    ]);
  });

  it("sends nothing from a listener outside the sample", () => {
    const { reporter: r, send } = reporter(0.5);
    r.record(about, { latencyMs: 100, ok: true });
    vi.advanceTimersByTime(120_000);
    r.close();
    expect(r.sampled).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it("drops a report the server refused, without retrying or throwing", async () => {
    const send = vi.fn(async () => {
      throw new Error("429");
    });
    const { reporter: r } = reporter(0.1, send);
    r.record(about, { latencyMs: 100, ok: true });
    r.flush();
    r.flush();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(send).toHaveBeenCalledTimes(1);
    r.close();
  });
});
