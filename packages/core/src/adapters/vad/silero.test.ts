import { describe, expect, it } from "vitest";
import { msToSamples } from "../../audio/index.ts";
import { assembleTalk, englishClips } from "@livetranslate/testing/fixtures";
import { SileroVoiceActivity } from "./silero.ts";

/** Every whole 512-sample frame of `pcm` through one stream: [frame start in ms, speech probability]. */
async function probabilities(detector: SileroVoiceActivity, pcm: Int16Array): Promise<[number, number][]> {
  const stream = detector.open();
  const out: [number, number][] = [];
  for (let at = 0; at + detector.frameSamples <= pcm.length; at += detector.frameSamples) {
    out.push([(at / 16_000) * 1000, await stream.speechProbability(pcm.subarray(at, at + detector.frameSamples))]);
  }
  return out;
}

describe("Silero VAD (onnxruntime-node, CPU) on real speech", () => {
  const detector = new SileroVoiceActivity();
  const talk = assembleTalk(englishClips().slice(1, 4), 1000);

  it("finds speech inside each sentence and none in the silences between them", async () => {
    // Act
    const frames = await probabilities(detector, talk.pcm);
    // Assess: frames well inside a sentence's voice are mostly speech (its comma pauses are not), frames well
    // inside the gaps are all silence.
    for (const u of talk.utterances) {
      const inside = frames.filter(([ms]) => ms >= u.voicedStartMs + 300 && ms + 32 <= u.voicedEndMs - 300);
      const voiced = inside.filter(([, p]) => p >= 0.5).length;
      expect(inside.length).toBeGreaterThan(20);
      expect(voiced / inside.length, `speech frames in ${u.file}`).toBeGreaterThan(0.8);
    }
    const gaps = talk.utterances.map((u, i) => [i === 0 ? 0 : talk.utterances[i - 1]!.endMs, u.startMs] as const);
    const silent = frames.filter(([ms]) => gaps.some(([from, to]) => ms >= from + 250 && ms + 32 <= to - 100));
    expect(silent.length).toBeGreaterThan(50);
    expect(Math.max(...silent.map(([, p]) => p))).toBeLessThan(0.1);
  });

  it("gives the same probabilities to the same frames from a fresh stream (what a replay relies on)", async () => {
    const pcm = talk.pcm.subarray(0, msToSamples(4000));
    const first = await probabilities(detector, pcm);
    const again = await probabilities(detector, pcm);
    expect(again).toEqual(first);
    // ...and the stream's memory matters: the same frame after other audio is judged differently.
    const shifted = await probabilities(detector, talk.pcm.subarray(msToSamples(2048), msToSamples(4000)));
    expect(shifted.map(([, p]) => p)).not.toEqual(first.slice(-shifted.length).map(([, p]) => p));
  });

  it("refuses a frame of the wrong size", async () => {
    await expect(detector.open().speechProbability(new Int16Array(320))).rejects.toThrow(/512 samples/);
  });
});
