import { describe, expect, it } from "vitest";
import { concatPcm, msToSamples, samplesToMs } from "../../audio/index.ts";
import { assembleTalk, chunksOf, englishClips, untranscribedClips } from "@livetranslate/testing/fixtures";
import { type ClosedSegment, DEFAULT_SEGMENTER_OPTIONS, Segmenter, type SegmenterEvent } from "./index.ts";

async function run(segmenter: Segmenter, pcm: Int16Array, chunkMs = 100): Promise<SegmenterEvent[]> {
  const events: SegmenterEvent[] = [];
  for (const chunk of chunksOf(pcm, chunkMs)) events.push(...(await segmenter.push(chunk)));
  return events;
}

const segmentsOf = (events: SegmenterEvent[]): ClosedSegment[] =>
  events.flatMap((e) => (e.type === "segment" ? [e.segment] : []));

describe("Segmenter on real speech", () => {
  const clips = untranscribedClips().slice(0, 6).map((file) => ({ file }));
  const talk = assembleTalk(clips, 1000);

  it("cuts at the pauses between utterances, never inside the 1 s gaps' neighbours' words", async () => {
    // Prepare
    const segmenter = new Segmenter();
    // Act
    const segments = segmentsOf([...(await run(segmenter, talk.pcm)), ...segmenter.flush()]);
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

  it("closes a segment exactly the configured silence after the last voiced frame, at the chunk that completes it", async () => {
    // Prepare: one utterance after 1.5 s of digital silence, so the noise floor is far below the absolute
    // minimum and a 20 ms frame is voiced exactly when its level exceeds minVoicedDb.
    const options = { closeAfterSilenceMs: 400, trailingSilenceMs: 150, frameMs: 20, minVoicedDb: -50, longSegmentMs: 60_000, maxSegmentMs: 120_000 };
    const one = assembleTalk([clips[0]!], 1500);
    const frame = msToSamples(options.frameMs);
    let lastVoicedEnd = 0;
    for (let at = 0; at + frame <= one.pcm.length; at += frame) {
      let sum = 0;
      for (let i = at; i < at + frame; i++) sum += one.pcm[i]! * one.pcm[i]!;
      if (10 * Math.log10(sum / frame / 32768 ** 2) > options.minVoicedDb) lastVoicedEnd = at + frame;
    }
    expect(samplesToMs(lastVoicedEnd)).toBeGreaterThan(one.utterances[0]!.endMs - 500);
    const silenceToClose = msToSamples(options.closeAfterSilenceMs);

    for (const chunkMs of [20, 100]) {
      // Act: feed in chunks, noting how much had been fed when the segment came out.
      const segmenter = new Segmenter(options);
      const chunk = msToSamples(chunkMs);
      const closed: { fed: number; segment: ClosedSegment }[] = [];
      let fed = 0;
      for (const pcm of chunksOf(one.pcm, chunkMs)) {
        fed += pcm.length;
        for (const s of segmentsOf(await segmenter.push(pcm))) closed.push({ fed, segment: s });
      }
      // Assess: one segment, whose speech ends at the last voiced frame; it closes with the first chunk that
      // completes 400 ms of silence after it, and keeps 150 ms of that silence.
      expect(closed.map((c) => c.segment.cause), `${chunkMs} ms chunks`).toEqual(["pause"]);
      const [{ fed: closedAt, segment }] = closed as [(typeof closed)[0]];
      expect(segment.speechEndSample, `${chunkMs} ms chunks`).toBe(lastVoicedEnd);
      expect(closedAt, `${chunkMs} ms chunks`).toBe(Math.ceil((lastVoicedEnd + silenceToClose) / chunk) * chunk);
      expect(segment.endSample).toBe(lastVoicedEnd + msToSamples(options.trailingSilenceMs));
    }
  });

  it("cuts a long stretch of speech at its maximum length, at a quiet frame, losing no audio", async () => {
    const long = assembleTalk(
      englishClips().filter((c) => c.file.endsWith("jfk.wav")),
      500,
    );
    const segmenter = new Segmenter({ maxSegmentMs: 4000 });
    const events = [...(await run(segmenter, long.pcm)), ...segmenter.flush()];
    const segments = segmentsOf(events);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    for (const s of segments) expect(samplesToMs(s.endSample - s.startSample)).toBeLessThanOrEqual(4000 + 20);
    const cuts = segments.filter((s) => s.cause === "maxLength");
    for (const [i, s] of segments.entries()) {
      if (s.cause === "maxLength" && segments[i + 1]) expect(segments[i + 1]!.startSample).toBe(s.endSample);
    }
    expect(cuts.length).toBeGreaterThanOrEqual(1);
  });

  it("closes a long sentence at a breath rather than cutting it at the maximum length", async () => {
    const long = assembleTalk(englishClips().filter((c) => c.file.endsWith("LJ001-0001.wav")), 1000);
    const segmenter = new Segmenter({ longSegmentMs: 4000, maxSegmentMs: 10_000 });
    const segments = segmentsOf([...(await run(segmenter, long.pcm)), ...segmenter.flush()]);
    expect(segments.every((s) => s.cause === "pause")).toBe(true);
    const rigid = new Segmenter({ longSegmentMs: 60_000, maxSegmentMs: 10_000 });
    const rigidSegments = segmentsOf([...(await run(rigid, long.pcm)), ...rigid.flush()]);
    expect(rigidSegments.length).toBeLessThanOrEqual(segments.length);
  });

  it("gives the same segments when its state is restored between every batch", async () => {
    const whole = new Segmenter();
    const expected = segmentsOf([...(await run(whole, talk.pcm)), ...whole.flush()]);

    let snapshot = new Segmenter().snapshot();
    const got: ClosedSegment[] = [];
    for (const chunk of chunksOf(talk.pcm, 100)) {
      // A fresh instance per batch, as after a cold start, fed through a JSON round-trip of the state.
      const segmenter = Segmenter.restore({ state: JSON.parse(JSON.stringify(snapshot.state)), buffer: snapshot.buffer });
      got.push(...segmentsOf(await segmenter.push(chunk)));
      snapshot = segmenter.snapshot();
    }
    got.push(...segmentsOf(Segmenter.restore(snapshot).flush()));
    expect(got.map(({ pcm, ...rest }) => ({ ...rest, samples: pcm.length }))).toEqual(
      expected.map(({ pcm, ...rest }) => ({ ...rest, samples: pcm.length })),
    );
  });

  it("streams each open segment's audio in order, without gaps, before the segment closes", async () => {
    // Pauses (the talk) and maximum-length cuts (JFK, 4 s maximum), in chunks that are not whole frames.
    const jfk = assembleTalk(englishClips().filter((c) => c.file.endsWith("jfk.wav")), 500);
    for (const [pcm, options] of [[talk.pcm, {}], [jfk.pcm, { maxSegmentMs: 4000 }]] as const) {
      const segmenter = new Segmenter(options);
      const events = [...(await run(segmenter, pcm, 250)), ...segmenter.flush()];
      // The open segment's audio so far: where it started and where the next piece must start.
      let open: { start: number; next: number } | undefined;
      let cutAt: number | undefined;
      const causes: string[] = [];
      let pauses = 0;
      for (const e of events) {
        if (e.type === "audio") {
          if (!open && cutAt !== undefined) expect(e.startSample, "the segment after a cut is streamed from the cut").toBe(cutAt);
          cutAt = undefined;
          open ??= { start: e.startSample, next: e.startSample };
          expect(e.startSample, "each piece starts where the previous one ended").toBe(open.next);
          expect(e.pcm.findIndex((v, i) => v !== pcm[e.startSample + i]), "the piece is the talk's audio there").toBe(-1);
          open.next += e.pcm.length;
        } else if (e.type === "segment") {
          const s = e.segment;
          expect(open, `segment ${s.sequenceNumber} was streamed before it closed`).toBeDefined();
          expect(open!.start, `segment ${s.sequenceNumber} streamed from its start`).toBe(s.startSample);
          // A cut segment was streamed as it came, past the cut (the next one is streamed again from there); a
          // paused one at least to its end, and at most through the silence that closed it.
          if (s.cause === "maxLength") {
            expect(open!.next, "a cut segment streamed at least to the cut").toBeGreaterThanOrEqual(s.endSample);
            expect(open!.next, "and no further than its maximum length").toBeLessThanOrEqual(s.startSample + msToSamples("maxSegmentMs" in options ? options.maxSegmentMs : DEFAULT_SEGMENTER_OPTIONS.maxSegmentMs));
            cutAt = s.endSample;
          } else {
            expect(open!.next).toBeGreaterThanOrEqual(s.endSample);
            expect(open!.next).toBeLessThanOrEqual(s.speechEndSample + msToSamples(DEFAULT_SEGMENTER_OPTIONS.closeAfterSilenceMs));
          }
          causes.push(s.cause);
          open = undefined;
        } else if (e.type === "pause") {
          // The recognizer may finish what it heard: exactly the segment's audio up to the pause.
          expect(e.segmentStartSample).toBe(open?.start);
          expect(e.atSample, "a pause falls where the audio handed out ends").toBe(open?.next);
          pauses++;
        } else {
          expect(open?.start, "a discarded segment was streamed from its start").toBe(e.startSample);
          open = undefined;
        }
      }
      expect(open, "nothing streamed after the last segment closed").toBeUndefined();
      expect(causes.length).toBeGreaterThanOrEqual(3);
      if ("maxSegmentMs" in options) expect(causes).toContain("maxLength");
      else expect(pauses, "every segment closed by a pause had one first").toBeGreaterThanOrEqual(causes.filter((c) => c === "pause").length);
    }
  });

  it("notes a pause inside a sentence for the recognizer, and keeps the sentence one segment", async () => {
    // 1 s of tone, 300 ms of silence (a comma), 1 s of tone, then silence long enough to close.
    const tone = (ms: number) => Int16Array.from({ length: msToSamples(ms) }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    const pcm = concatPcm([new Int16Array(msToSamples(500)), tone(1000), new Int16Array(msToSamples(300)), tone(1000), new Int16Array(msToSamples(1000))]);
    const segmenter = new Segmenter();
    const events = await run(segmenter, pcm);
    const [segment, ...others] = segmentsOf(events);
    expect(others).toEqual([]);
    const pauses = events.filter((e): e is Extract<SegmenterEvent, { type: "pause" }> => e.type === "pause");
    // The comma (after the trailing silence kept) and the end of the sentence, where the segment closes.
    const commaAt = msToSamples(1500 + DEFAULT_SEGMENTER_OPTIONS.trailingSilenceMs);
    expect(pauses.map((p) => p.atSample)).toEqual([commaAt, segment!.endSample]);
    expect(segment!.pauses, "only pauses inside the segment").toEqual([commaAt]);
    // Each pause comes before the segment closes.
    expect(events.findIndex((e) => e.type === "pause" && e.atSample === segment!.endSample)).toBeLessThan(events.findIndex((e) => e.type === "segment"));
  });

  it("ignores silence and a short click", async () => {
    const segmenter = new Segmenter();
    const pcm = new Int16Array(16000 * 3);
    for (let i = 16000; i < 16000 + 320; i++) pcm[i] = i % 2 ? 20000 : -20000;
    const events = [...(await run(segmenter, pcm)), ...segmenter.flush()];
    expect(segmentsOf(events)).toEqual([]);
  });
});
