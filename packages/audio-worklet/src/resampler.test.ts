import { englishClips, readWav } from "@livetranslate/testing/fixtures";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { Chunker, floatToInt16, levelOf } from "./pcm.ts";
import { StreamingResampler } from "./resampler.ts";

const toFloat = (pcm: Int16Array) => Float32Array.from(pcm, (s) => s / 32768);

/** The reference: wavefile's offline sinc resampler with its low-pass filter. */
function wavefileResample(pcm: Int16Array, from: number, to: number): Int16Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, from, "16", pcm);
  wav.toSampleRate(to, { method: "sinc", LPF: true });
  return wav.getSamples(false, Int16Array) as unknown as Int16Array;
}

/** Runs the resampler as the worklet does: 128-sample render quanta. */
function resampleInQuanta(input: Float32Array, inRate: number, outRate: number): Float32Array {
  const resampler = new StreamingResampler(inRate, outRate);
  const parts: Float32Array[] = [];
  for (let at = 0; at < input.length; at += 128) parts.push(resampler.process(input.subarray(at, at + 128)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Signal-to-error ratio in dB between a reference and a signal, at the lag that aligns them best. */
function snrDb(reference: Float32Array, signal: Float32Array, maxLag = 40): { snr: number; lag: number } {
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    let power = 0;
    let error = 0;
    const n = Math.min(reference.length, signal.length - lag) - 200;
    for (let i = 200; i < n; i++) {
      power += reference[i]! ** 2;
      error += (reference[i]! - signal[i + lag]!) ** 2;
    }
    const snr = 10 * Math.log10(power / error);
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

describe("StreamingResampler on real speech", () => {
  const jfk = englishClips().find((c) => c.file.endsWith("jfk.wav"))!.file;

  it.each([48_000, 44_100])("brings %i Hz microphone audio to 16 kHz, matching a reference resampler within 20 dB SNR", (rate) => {
    // Prepare: the 16 kHz recording as a browser microphone would deliver it at `rate`.
    const original = readWav(jfk, 16_000);
    const atDeviceRate = readWav(jfk, rate);
    const reference = wavefileResample(atDeviceRate, rate, 16_000);
    // Act
    const ours = resampleInQuanta(toFloat(atDeviceRate), rate, 16_000);
    // Assess: same length (within a filter's delay), close to the reference, and at least as close to the
    // original recording as the reference is (what separates both from it is the upsampling that made the input).
    expect(Math.abs(ours.length - original.length)).toBeLessThan(40);
    const vsReference = snrDb(toFloat(reference), ours);
    const oursVsOriginal = snrDb(toFloat(original), ours);
    const referenceVsOriginal = snrDb(toFloat(original), toFloat(reference));
    console.log(
      `${rate} Hz -> 16 kHz: SNR ${vsReference.snr.toFixed(1)} dB against wavefile's sinc resampler (delay ${vsReference.lag}); ` +
        `against the original recording ours ${oursVsOriginal.snr.toFixed(1)} dB, the reference ${referenceVsOriginal.snr.toFixed(1)} dB`,
    );
    expect(vsReference.snr).toBeGreaterThan(20);
    expect(oursVsOriginal.snr).toBeGreaterThanOrEqual(referenceVsOriginal.snr);
  });

  it("removes what 16 kHz cannot carry instead of folding it back (anti-aliasing)", () => {
    const tone = (freq: number) => Float32Array.from({ length: 48_000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * freq * i) / 48_000));
    const rms = (x: Float32Array) => Math.sqrt(x.slice(1000).reduce((a, s) => a + s * s, 0) / (x.length - 1000));
    const passed = rms(resampleInQuanta(tone(1000), 48_000, 16_000));
    const aliased = rms(resampleInQuanta(tone(12_000), 48_000, 16_000));
    expect(passed).toBeGreaterThan(0.33);
    expect(20 * Math.log10(aliased / passed)).toBeLessThan(-40);
  });

  it("is continuous across render quanta: same output whatever the block size", () => {
    const input = toFloat(readWav(jfk, 48_000)).subarray(0, 48_000);
    const whole = new StreamingResampler(48_000, 16_000).process(input);
    const blocks = resampleInQuanta(input, 48_000, 16_000);
    expect(blocks.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(blocks[i]).toBeCloseTo(whole[i]!, 6);
  });
});

describe("PCM helpers", () => {
  it("clamps floats into Int16", () => {
    expect([...floatToInt16(Float32Array.from([0, 1, -1, 2, -2, 0.5]))]).toEqual([0, 32767, -32768, 32767, -32768, 16383]);
  });

  it("cuts fixed chunks and measures their level", () => {
    const chunker = new Chunker(1600);
    expect(chunker.push(new Int16Array(1000))).toEqual([]);
    const full = chunker.push(new Int16Array(2500).fill(16384));
    expect(full.map((c) => c.length)).toEqual([1600, 1600]);
    expect(levelOf(full[1]!)).toEqual({ rms: 0.5, peak: 0.5 });
  });
});
