import { describe, expect, it } from "vitest";
import { samplesToMs } from "../audio/index.ts";
import { assembleTalk, chunksOf, englishClips, untranscribedClips } from "../testing/fixtures.ts";
import { type ClosedSegment, Segmenter, type SegmenterEvent } from "./index.ts";

function run(segmenter: Segmenter, pcm: Int16Array, chunkMs = 100): SegmenterEvent[] {
  const events: SegmenterEvent[] = [];
  for (const chunk of chunksOf(pcm, chunkMs)) events.push(...segmenter.push(chunk));
  return events;
}

const segmentsOf = (events: SegmenterEvent[]): ClosedSegment[] =>
  events.flatMap((e) => (e.type === "segment" ? [e.segment] : []));

describe("Segmenter on real speech", () => {
  const clips = untranscribedClips().slice(0, 6).map((file) => ({ file }));
  const talk = assembleTalk(clips, 1000);

  it("cuts at the pauses between utterances, never inside the 1 s gaps' neighbours' words", () => {
    // Prepare
    const segmenter = new Segmenter();
    // Act
    const segments = segmentsOf([...run(segmenter, talk.pcm), ...segmenter.flush()]);
    // Assess: every cut lies in a gap (or at a short pause inside an utterance), and every utterance is covered
    for (const u of talk.utterances) {
      const inside = segments.filter((s) => samplesToMs(s.startSample) < u.endMs && samplesToMs(s.endSample) > u.startMs);
      expect(inside.length, `segments over ${u.file}`).toBeGreaterThanOrEqual(1);
      const first = inside[0]!;
      const last = inside.at(-1)!;
      expect(samplesToMs(first.startSample)).toBeLessThanOrEqual(u.startMs + 400);
      expect(samplesToMs(last.speechEndSample)).toBeGreaterThanOrEqual(u.endMs - 600);
      // no segment straddles two utterances
      for (const s of inside) expect(samplesToMs(s.endSample)).toBeLessThan(u.endMs + 1000);
    }
    expect(segments.map((s) => s.sequenceNumber)).toEqual(segments.map((_, i) => i + 1));
    expect(segments.length).toBeLessThanOrEqual(talk.utterances.length * 2);
  });

  it("closes a segment within about the configured silence after the speech ends", () => {
    const segmenter = new Segmenter({ closeAfterSilenceMs: 400, longSegmentMs: 60_000, maxSegmentMs: 120_000 });
    const one = assembleTalk([clips[0]!], 1500);
    let closedAtMs: number | undefined;
    let fed = 0;
    for (const chunk of chunksOf(one.pcm, 100)) {
      fed += chunk.length;
      const events = segmenter.push(chunk);
      if (closedAtMs === undefined && events.some((e) => e.type === "segment")) closedAtMs = samplesToMs(fed);
    }
    expect(closedAtMs).toBeDefined();
    const utteranceEnd = one.utterances[0]!.endMs;
    expect(closedAtMs! - utteranceEnd).toBeGreaterThan(200);
    expect(closedAtMs! - utteranceEnd).toBeLessThan(900);
  });

  it("cuts a long stretch of speech at its maximum length, at a quiet frame, losing no audio", () => {
    const long = assembleTalk(
      englishClips().filter((c) => c.file.endsWith("jfk.wav")),
      500,
    );
    const segmenter = new Segmenter({ maxSegmentMs: 4000 });
    const events = [...run(segmenter, long.pcm), ...segmenter.flush()];
    const segments = segmentsOf(events);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    for (const s of segments) expect(samplesToMs(s.endSample - s.startSample)).toBeLessThanOrEqual(4000 + 20);
    const cuts = segments.filter((s) => s.cause === "maxLength");
    for (const [i, s] of segments.entries()) {
      if (s.cause === "maxLength" && segments[i + 1]) expect(segments[i + 1]!.startSample).toBe(s.endSample);
    }
    expect(cuts.length).toBeGreaterThanOrEqual(1);
  });

  it("closes a long sentence at a breath rather than cutting it at the maximum length", () => {
    const long = assembleTalk(englishClips().filter((c) => c.file.endsWith("LJ001-0001.wav")), 1000);
    const segmenter = new Segmenter({ longSegmentMs: 4000, maxSegmentMs: 10_000 });
    const segments = segmentsOf([...run(segmenter, long.pcm), ...segmenter.flush()]);
    expect(segments.every((s) => s.cause === "pause")).toBe(true);
    const rigid = new Segmenter({ longSegmentMs: 60_000, maxSegmentMs: 10_000 });
    const rigidSegments = segmentsOf([...run(rigid, long.pcm), ...rigid.flush()]);
    expect(rigidSegments.length).toBeLessThanOrEqual(segments.length);
  });

  it("gives the same segments when its state is restored between every batch", () => {
    const whole = new Segmenter();
    const expected = segmentsOf([...run(whole, talk.pcm), ...whole.flush()]);

    let snapshot = new Segmenter().snapshot();
    const got: ClosedSegment[] = [];
    for (const chunk of chunksOf(talk.pcm, 100)) {
      // A fresh instance per batch, as after a cold start, fed through a JSON round-trip of the state.
      const segmenter = Segmenter.restore({ state: JSON.parse(JSON.stringify(snapshot.state)), buffer: snapshot.buffer });
      got.push(...segmentsOf(segmenter.push(chunk)));
      snapshot = segmenter.snapshot();
    }
    got.push(...segmentsOf(Segmenter.restore(snapshot).flush()));
    expect(got.map(({ pcm, ...rest }) => ({ ...rest, samples: pcm.length }))).toEqual(
      expected.map(({ pcm, ...rest }) => ({ ...rest, samples: pcm.length })),
    );
  });

  it("streams each open segment's audio in order before the segment closes", () => {
    const segmenter = new Segmenter();
    const events = [...run(segmenter, talk.pcm, 250), ...segmenter.flush()];
    let expectedNext: number | undefined;
    let streamed = 0;
    for (const e of events) {
      if (e.type === "audio") {
        if (expectedNext !== undefined && e.startSample !== expectedNext) streamed = 0;
        expectedNext = e.startSample + e.pcm.length;
        streamed += e.pcm.length;
      } else if (e.type === "segment") {
        expect(expectedNext).toBeGreaterThanOrEqual(e.segment.endSample);
        expectedNext = undefined;
        streamed = 0;
      }
    }
    expect(streamed).toBe(0);
  });

  it("ignores silence and a short click", () => {
    const segmenter = new Segmenter();
    const pcm = new Int16Array(16000 * 3);
    for (let i = 16000; i < 16000 + 320; i++) pcm[i] = i % 2 ? 20000 : -20000;
    const events = [...run(segmenter, pcm), ...segmenter.flush()];
    expect(segmentsOf(events)).toEqual([]);
  });
});
