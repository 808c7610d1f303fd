/**
 * The segmenter deciding speech with Silero VAD (the real model) on the fixture speech: where it closes, what it
 * keeps whole, and that a restored segmenter (a cold execution environment) decides exactly as a warm one.
 */
import { describe, expect, it } from "vitest";
import { msToSamples, samplesToMs } from "../../audio/index.ts";
import { SileroVoiceActivity } from "../../adapters/vad/silero.ts";
import { assembleTalk, chunksOf, untranscribedClips } from "@livetranslate/testing/fixtures";
import { segmentTalk } from "@livetranslate/testing/sentence-splits";
import { type ClosedSegment, DEFAULT_SEGMENTER_OPTIONS, Segmenter, VOICE_ACTIVITY_SEGMENTER_OPTIONS } from "./index.ts";

const silero = new SileroVoiceActivity();
const hangoverMs = VOICE_ACTIVITY_SEGMENTER_OPTIONS.closeAfterSilenceMs!;
const FRAME_MS = 32;
const CHUNK_MS = 100;
const withoutPcm = (segments: ClosedSegment[]) => segments.map(({ pcm, ...rest }) => ({ ...rest, samples: pcm.length }));

describe("Segmenter with Silero VAD on real speech", () => {
  const talk = assembleTalk(untranscribedClips().slice(0, 6).map((file) => ({ file })), 1000);

  it("closes each sentence the hangover after its end of speech, at the chunk that completes it", async () => {
    // Act
    const { segments, sentences } = await segmentTalk(talk, new Segmenter({}, undefined, undefined, silero), CHUNK_MS);
    // Assess: every segment closed at a pause, once the hangover of silence after the detector's last speech frame
    // had arrived (a frame and a chunk late at most). Segments longer than `longSegmentMs` close at shorter pauses.
    // (LJ001-0014 holds 9.8 s of voice without a 200 ms pause: it reaches the 10 s maximum and is cut there.)
    const paused = segments.filter((s) => s.cause === "pause");
    expect(paused.length).toBeGreaterThanOrEqual(talk.utterances.length - 1);
    let short = 0;
    for (const s of paused) {
      const waited = samplesToMs(s.closedAtSample - s.speechEndSample);
      const long = samplesToMs(s.closedAtSample - s.startSample) > DEFAULT_SEGMENTER_OPTIONS.longSegmentMs;
      if (!long) short++;
      expect(waited, `segment ${s.sequenceNumber}`).toBeGreaterThanOrEqual(long ? DEFAULT_SEGMENTER_OPTIONS.shortPauseMs : hangoverMs);
      expect(waited, `segment ${s.sequenceNumber}`).toBeLessThan(hangoverMs + FRAME_MS + CHUNK_MS);
    }
    expect(short, "some segments are short enough to need the whole hangover").toBeGreaterThan(0);
    // ...and measured from the end of the voice as the benchmark measures latency (the last 10 ms frame above
    // -40 dBFS), the detector's own end of speech lags by no more than a few frames.
    for (const s of sentences) {
      expect(s.waitMs, s.file).toBeDefined();
      expect(s.waitMs!, s.file).toBeLessThan(hangoverMs + FRAME_MS + CHUNK_MS + 5 * FRAME_MS);
    }
  });

  it("keeps whole the sentences with a breath that the energy rule keeps whole, where a 250 ms hangover splits them", async () => {
    // LJ001-0009 and LJ001-0010 each hold pauses of 250-400 ms in mid-sentence.
    const breathing = assembleTalk([untranscribedClips()[0]!, untranscribedClips()[1]!].map((file) => ({ file })), 1000);
    const energy = await segmentTalk(breathing, new Segmenter());
    const neural = await segmentTalk(breathing, new Segmenter({}, undefined, undefined, silero));
    const short = await segmentTalk(breathing, new Segmenter({ closeAfterSilenceMs: 250 }, undefined, undefined, silero));
    expect(energy.sentences.map((s) => s.segments)).toEqual([1, 1]);
    expect(neural.sentences.map((s) => s.segments)).toEqual([1, 1]);
    // The pauses are real: a shorter hangover does cut there.
    expect(short.sentences.every((s) => s.segments > 1)).toBe(true);
  });

  it("gives the same segments when restored between batches, replaying the detector from its last restart", async () => {
    // Prepare: the run of one segmenter that never stops.
    const two = assembleTalk(untranscribedClips().slice(2, 4).map((file) => ({ file })), 1000);
    const whole = await segmentTalk(two, new Segmenter({}, undefined, undefined, silero));
    // Act: a fresh segmenter every half second (a cold start), given only the JSON state and the buffer.
    let snapshot = new Segmenter({}, undefined, undefined, silero).snapshot();
    const got: ClosedSegment[] = [];
    let replayed = 0;
    let longestReplayMs = 0;
    const chunks = [...chunksOf(two.pcm, CHUNK_MS)];
    for (let i = 0; i < chunks.length; i += 5) {
      const state = JSON.parse(JSON.stringify(snapshot.state));
      const segmenter = Segmenter.restore({ state, buffer: snapshot.buffer }, {}, silero);
      for (const chunk of chunks.slice(i, i + 5)) {
        for (const e of await segmenter.push(chunk)) if (e.type === "segment") got.push(e.segment);
      }
      replayed += segmenter.replayedVoiceFrames;
      longestReplayMs = Math.max(longestReplayMs, segmenter.replayedVoiceFrames * FRAME_MS);
      snapshot = segmenter.snapshot();
      expect(JSON.stringify(snapshot.state).length, "the state stays a few hundred bytes").toBeLessThan(400);
    }
    for (const e of Segmenter.restore(snapshot, {}, silero).flush()) if (e.type === "segment") got.push(e.segment);
    // Assess
    expect(withoutPcm(got)).toEqual(withoutPcm(whole.segments.map(({ closedAtSample, ...s }) => s)));
    expect(replayed).toBeGreaterThan(0);
    // The replay covers at most the open segment (these sentences are under 10 s) and the silence since the restart.
    expect(longestReplayMs).toBeLessThanOrEqual(10_000 + 1000 + 2 * FRAME_MS);
  });

  it("opens nothing on silence, and restarts its detector while nobody speaks, so the buffer stays short", async () => {
    const segmenter = new Segmenter({}, undefined, undefined, silero);
    const silence = new Int16Array(msToSamples(5000));
    const events = [];
    for (const chunk of chunksOf(silence, CHUNK_MS)) events.push(...(await segmenter.push(chunk)));
    expect(events).toEqual([]);
    const state = segmenter.stateSnapshot();
    expect(samplesToMs(state.analyzedSamples - state.voiceResetSample!)).toBeLessThan(1000 + FRAME_MS);
    expect(samplesToMs(state.consumedSamples - state.bufferStartSample)).toBeLessThan(1000 + FRAME_MS + CHUNK_MS);
  });
});
