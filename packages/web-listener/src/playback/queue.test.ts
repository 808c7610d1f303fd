import { describe, expect, it } from "vitest";
import { type AudioEngine, type Clip, PlaybackQueue, type QueueEvent } from "./queue.ts";

/** A fake engine with a hand-driven clock; loads resolve when the test says so. */
function fakeEngine() {
  let clock = 0;
  const pending = new Map<string, { resolve: (d: number) => void; reject: (e: Error) => void }[]>();
  const loads: string[] = [];
  const engine: AudioEngine<number> = {
    load(url) {
      loads.push(url);
      return new Promise((resolve, reject) => {
        pending.set(url, [...(pending.get(url) ?? []), { resolve, reject }]);
      });
    },
    durationOf: (d) => d,
    schedule: (d, when) => ({ end: when + d, cancel() {} }),
    now: () => clock,
  };
  return {
    engine,
    loads,
    advance: (s: number) => (clock += s),
    async succeed(url: string, duration = 1) {
      pending.get(url)?.shift()?.resolve(duration);
      await flush();
    },
    async fail(url: string) {
      pending.get(url)?.shift()?.reject(new Error("503"));
      await flush();
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const clip = (n: number, duration = 1): Clip => ({ sequenceNumber: n, segmentId: `s-${n}`, url: `u${n}`, duration });

function setup(options = {}) {
  const f = fakeEngine();
  const queue = new PlaybackQueue(f.engine, { leadSeconds: 0, retryDelayMs: 0, ...options }, async () => undefined);
  const events: QueueEvent[] = [];
  queue.onEvent((e) => events.push(e));
  queue.enable();
  const scheduled = () => events.flatMap((e) => (e.type === "scheduled" ? [{ n: e.clip.sequenceNumber, at: e.at, end: e.end }] : []));
  return { ...f, queue, events, scheduled };
}

describe("PlaybackQueue", () => {
  it("plays clips in sequence order even when they load out of order, back to back", async () => {
    const t = setup();
    t.queue.add(clip(2));
    t.queue.add(clip(1));
    t.queue.add(clip(3, 2));
    await t.succeed("u3", 2);
    await t.succeed("u2");
    expect(t.scheduled()).toEqual([]);
    await t.succeed("u1");
    expect(t.scheduled()).toEqual([
      { n: 1, at: 0, end: 1 },
      { n: 2, at: 1, end: 2 },
      { n: 3, at: 2, end: 4 },
    ]);
  });

  it("plays the parts of a segment in order, back to back, before the next segment, each once", async () => {
    const t = setup();
    const part = (n: number, index: number): Clip => ({ sequenceNumber: n, part: index, segmentId: `s-${n}`, url: `u${n}.${index}`, duration: 1 });
    t.queue.add(part(5, 1));
    t.queue.add(part(6, 0));
    t.queue.add(part(5, 0));
    await t.succeed("u6.0");
    await t.succeed("u5.1");
    expect(t.scheduled()).toEqual([]);
    await t.succeed("u5.0");
    // A part resent after it played, or one already waiting, is not queued again.
    t.queue.add(part(5, 0));
    t.queue.add(part(6, 0));
    const played = t.events.flatMap((e) => (e.type === "scheduled" ? [[e.clip.sequenceNumber, e.clip.part, e.at]] : []));
    expect(played).toEqual([
      [5, 0, 0],
      [5, 1, 1],
      [6, 0, 2],
    ]);
    expect(t.queue.pending).toBe(0);
  });

  it("never overlaps: a clip that arrives while another plays starts when it ends", async () => {
    const t = setup();
    t.queue.add(clip(1, 3));
    await t.succeed("u1", 3);
    t.advance(1);
    t.queue.add(clip(2));
    await t.succeed("u2");
    expect(t.scheduled()[1]).toEqual({ n: 2, at: 3, end: 4 });
  });

  it("announces each clip when it is ready, on the engine's clock, before scheduling it", async () => {
    const t = setup();
    t.queue.add(clip(1, 3));
    t.advance(0.5);
    await t.succeed("u1", 3);
    expect(t.events.map((e) => [e.type, e.clip.sequenceNumber, "at" in e ? e.at : undefined])).toEqual([
      ["ready", 1, 0.5],
      ["scheduled", 1, 0.5],
    ]);
  });

  it("adds its start-up headroom only when starting from silence, never between clips", async () => {
    const t = setup({ leadSeconds: 0.05 });
    t.queue.add(clip(1));
    t.queue.add(clip(2));
    await t.succeed("u1");
    await t.succeed("u2");
    expect(t.scheduled()).toEqual([
      { n: 1, at: 0.05, end: 1.05 },
      { n: 2, at: 1.05, end: 2.05 },
    ]);
  });

  it("fetches at most three ahead", () => {
    const t = setup();
    for (let n = 1; n <= 6; n++) t.queue.add(clip(n));
    expect(t.loads).toEqual(["u1", "u2", "u3"]);
  });

  it("retries a failed fetch three times, then skips the clip and goes on", async () => {
    const t = setup();
    t.queue.add(clip(1));
    t.queue.add(clip(2));
    await t.succeed("u2");
    for (let i = 0; i < 4; i++) await t.fail("u1");
    expect(t.loads.filter((u) => u === "u1")).toHaveLength(4);
    expect(t.events.find((e) => e.type !== "ready")).toMatchObject({ type: "skipped", reason: "failed", clip: { sequenceNumber: 1 } });
    expect(t.scheduled().map((s) => s.n)).toEqual([2]);
  });

  it("plays a clip that succeeds on a retry", async () => {
    const t = setup();
    t.queue.add(clip(1));
    await t.fail("u1");
    await t.succeed("u1");
    expect(t.scheduled().map((s) => s.n)).toEqual([1]);
  });

  it("ignores duplicates and clips older than what already played (reconnects, resends)", async () => {
    const t = setup();
    t.queue.add(clip(5));
    await t.succeed("u5");
    t.queue.add(clip(5));
    t.queue.add(clip(4));
    t.queue.add(clip(6));
    t.queue.add(clip(6));
    await t.succeed("u6");
    expect(t.scheduled().map((s) => s.n)).toEqual([5, 6]);
    expect(t.loads).toEqual(["u5", "u6"]);
    // Not silently: the late one is reported skipped.
    expect(t.events.filter((e) => e.type === "skipped").map((e) => [e.clip.sequenceNumber, e.type === "skipped" && e.reason])).toEqual([[4, "late"]]);
  });

  it("plays a part resent after its successor played next, late rather than never, and only once", async () => {
    // Prepare: parts 0 and 2 of segment 5 arrive; part 1's first sending failed on the server, which resends it later.
    const t = setup();
    const part = (n: number, index: number): Clip => ({ sequenceNumber: n, part: index, segmentId: `s-${n}`, url: `u${n}.${index}`, duration: 1 });
    t.queue.add(part(5, 0));
    await t.succeed("u5.0");
    t.queue.add(part(5, 2));
    await t.succeed("u5.2");
    // Act
    t.queue.add(part(5, 1));
    t.queue.add(part(5, 3));
    await t.succeed("u5.1");
    await t.succeed("u5.3");
    t.queue.add(part(5, 1));
    // Assess
    const played = t.events.flatMap((e) => (e.type === "scheduled" ? [e.clip.part] : []));
    expect(played).toEqual([0, 2, 1, 3]);
    expect(t.events.filter((e) => e.type === "skipped")).toEqual([]);
  });

  it("catches up when it falls too far behind: the oldest waiting clips are dropped", async () => {
    const t = setup({ maxLagSeconds: 6, catchUpToSeconds: 2 });
    t.queue.add(clip(1, 2));
    await t.succeed("u1", 2);
    // Clip 2 is stuck loading while 3..9 pile up.
    for (let n = 2; n <= 9; n++) t.queue.add(clip(n, 1));
    const skipped = t.events.filter((e) => e.type === "skipped").map((e) => e.clip.sequenceNumber);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toBe(2);
    expect(t.queue.lagSeconds).toBeLessThanOrEqual(6);
  });

  it("waits for the listener to enable audio, keeping only the live edge meanwhile", async () => {
    const f = fakeEngine();
    const queue = new PlaybackQueue(f.engine, { leadSeconds: 0, maxLagSeconds: 3, catchUpToSeconds: 2 }, async () => undefined);
    const events: QueueEvent[] = [];
    queue.onEvent((e) => events.push(e));
    for (let n = 1; n <= 6; n++) queue.add(clip(n));
    expect(events.filter((e) => e.type === "scheduled")).toEqual([]);
    queue.enable();
    for (const u of ["u5", "u6"]) await f.succeed(u);
    expect(events.filter((e) => e.type === "scheduled").map((e) => e.clip.sequenceNumber)).toEqual([5, 6]);
  });

  it("reports buffering while the next clip loads and playing while audio is scheduled", async () => {
    const t = setup();
    expect(t.queue.state).toBe("idle");
    t.queue.add(clip(1));
    expect(t.queue.state).toBe("buffering");
    await t.succeed("u1");
    expect(t.queue.state).toBe("playing");
    t.advance(1.5);
    expect(t.queue.state).toBe("idle");
  });
});

describe("PlaybackQueue downloads", () => {
  it("reports each clip's download time from the first attempt, retries included, and the clips it gave up on", async () => {
    // Prepare
    const f = fakeEngine();
    let now = 1000;
    const queue = new PlaybackQueue(f.engine, { leadSeconds: 0, retryDelayMs: 0, retries: 1 }, async () => undefined, () => now);
    const downloads: { n: number; latencyMs: number; ok: boolean }[] = [];
    queue.onDownload((d) => downloads.push({ n: d.clip.sequenceNumber, latencyMs: d.latencyMs, ok: d.ok }));
    queue.enable();
    // Act
    queue.add(clip(1));
    queue.add(clip(2));
    now += 150;
    await f.succeed("u1");
    now += 100;
    await f.fail("u2");
    now += 300;
    await f.fail("u2");
    // Assess
    expect(downloads).toEqual([
      { n: 1, latencyMs: 150, ok: true },
      { n: 2, latencyMs: 550, ok: false },
    ]);
  });
});
