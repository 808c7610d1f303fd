/**
 * The hints on generated audio, fed as the worklet delivers it: 100 ms chunks of 16 kHz Int16 (converted with the
 * worklet's own clamping), each with its capture time. Nothing waits on a clock: time is the chunks' timestamps.
 */
import { floatToInt16 } from "@livetranslate/audio-worklet/pcm";
import { describe, expect, it } from "vitest";
import { type AudioHint, AudioQualityMonitor } from "./audio-quality.ts";

const RATE = 16_000;
const CHUNK_MS = 100;
const T0 = 1_764_000_000_000;

/** Amplitude of a steady signal whose RMS is `db` dBFS, relative to one whose RMS is 1. */
const gain = (db: number) => 10 ** (db / 20);

/** A seeded white noise at `db` dBFS RMS (uniform in [-a, a] has RMS a/sqrt(3)). */
function noise(ms: number, db: number, seed = 7): Float32Array {
  const out = new Float32Array((ms * RATE) / 1000);
  let state = seed;
  const a = gain(db) * Math.sqrt(3);
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = ((state / 2 ** 32) * 2 - 1) * a;
  }
  return out;
}

function sine(ms: number, amplitude: number, hz = 440): Float32Array {
  return Float32Array.from({ length: (ms * RATE) / 1000 }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
}

/**
 * Something that sounds like a talk to these measures: phrases of 1.8 s (a 130 Hz voice with five harmonics,
 * four syllables a second) at `speechDb` dBFS RMS, separated by 0.6 s pauses, over a room noise at `noiseDb`.
 */
function talk(ms: number, speechDb: number, noiseDb: number): Float32Array {
  const phraseMs = 1800;
  const pauseMs = 600;
  const voice = (t: number) => {
    let v = 0;
    for (let k = 1; k <= 5; k++) v += Math.sin(2 * Math.PI * 130 * k * t) / k;
    return v * (0.25 + 0.75 * Math.abs(Math.sin(2 * Math.PI * 2 * t)));
  };
  // The voice's RMS over a phrase, to scale it to the level asked for.
  let square = 0;
  const phraseSamples = (phraseMs * RATE) / 1000;
  for (let i = 0; i < phraseSamples; i++) square += voice(i / RATE) ** 2;
  const scale = gain(speechDb) / Math.sqrt(square / phraseSamples);
  const out = noise(ms, noiseDb);
  for (let i = 0; i < out.length; i++) {
    const inCycle = ((i * 1000) / RATE) % (phraseMs + pauseMs);
    if (inCycle < phraseMs) out[i]! += scale * voice(i / RATE);
  }
  return out;
}

/** Feeds `audio` from `startMs` (after T0) in 100 ms chunks; returns the hints after each chunk, by its end time. */
function feed(monitor: AudioQualityMonitor, audio: Float32Array, startMs = 0): Map<number, readonly AudioHint[]> {
  const pcm = floatToInt16(audio);
  const perChunk = (CHUNK_MS * RATE) / 1000;
  const seen = new Map<number, readonly AudioHint[]>();
  for (let i = 0; i * perChunk < pcm.length; i++) {
    const hints = monitor.add(pcm.subarray(i * perChunk, (i + 1) * perChunk), T0 + startMs + i * CHUNK_MS);
    seen.set(startMs + (i + 1) * CHUNK_MS, hints);
  }
  return seen;
}

const heard = (seen: Map<number, readonly AudioHint[]>) => new Set([...seen.values()].flat());

describe("audio-quality hints", () => {
  it("gives no hint for a clear talk in a quiet room", () => {
    const monitor = new AudioQualityMonitor();
    expect(heard(feed(monitor, talk(30_000, -20, -65)))).toEqual(new Set());
    expect(monitor.speechDbfs).toBeGreaterThan(-22);
    expect(monitor.speechDbfs).toBeLessThan(-15);
    expect(monitor.noiseFloorDbfs).toBeLessThan(-64);
  });

  it("says clipping for a sine at full scale, at once, and not for one at half scale", () => {
    const full = feed(new AudioQualityMonitor(), sine(3000, 1));
    expect(full.get(100)).toEqual(expect.arrayContaining(["clipping"]));
    expect(heard(feed(new AudioQualityMonitor(), sine(3000, 0.5)))).not.toContain("clipping");
  });

  it("says clipping, and only that, for a talk driven past full scale; it clears 2 s after the clipping stops", () => {
    const monitor = new AudioQualityMonitor();
    const loud = feed(monitor, talk(6000, -3, -65));
    expect(loud.get(6000)).toEqual(["clipping"]);
    const after = feed(monitor, talk(4000, -20, -65), 6000);
    expect(after.get(7500)).toEqual(["clipping"]);
    expect(after.get(8500)).toEqual([]);
  });

  it("does not call a few full-scale clicks (under 0.1 % of 2 s) clipping", () => {
    const audio = talk(3000, -20, -65);
    for (let i = 0; i < 30; i++) audio[1000 + i * 397] = 1; // 30 samples: not more than 32 = 0.1 % of 2 s
    expect(heard(feed(new AudioQualityMonitor(), audio))).toEqual(new Set());
    for (let i = 0; i < 40; i++) audio[1000 + i * 397] = 1;
    expect(heard(feed(new AudioQualityMonitor(), audio))).toEqual(new Set(["clipping"]));
  });

  it("says too quiet once 5 s of speech were below -35 dBFS, and not for speech just above it", () => {
    const quiet = feed(new AudioQualityMonitor(), talk(20_000, -45, -70));
    // Under 5 s of speech heard: no judgement yet.
    expect(quiet.get(4000)).toEqual([]);
    expect(quiet.get(20_000)).toEqual(["too-quiet"]);
    expect(heard(feed(new AudioQualityMonitor(), talk(20_000, -40, -70)))).toEqual(new Set(["too-quiet"]));
    expect(heard(feed(new AudioQualityMonitor(), talk(20_000, -30, -70)))).toEqual(new Set());
  });

  it("says noisy room when the floor between phrases is above -45 dBFS, and not below", () => {
    const noisy = new AudioQualityMonitor();
    expect(feed(noisy, talk(15_000, -20, -40)).get(15_000)).toEqual(["noisy-room"]);
    expect(noisy.noiseFloorDbfs).toBeGreaterThan(-41);
    const fine = new AudioQualityMonitor();
    expect(heard(feed(fine, talk(15_000, -20, -50)))).toEqual(new Set());
    expect(fine.noiseFloorDbfs).toBeLessThan(-49);
  });

  it("says no signal after 10 s of silence, not before, and clears as soon as there is sound", () => {
    const monitor = new AudioQualityMonitor();
    const silent = feed(monitor, new Float32Array(11 * RATE));
    expect(silent.get(9900)).toEqual([]);
    expect(silent.get(10_000)).toEqual(["no-signal"]);
    expect(silent.get(11_000)).toEqual(["no-signal"]);
    expect(feed(monitor, talk(1000, -20, -65), 11_000).get(11_100)).toEqual([]);
  });

  it("calls a microphone hiss under -60 dBFS no signal too", () => {
    expect(feed(new AudioQualityMonitor(), noise(10_000, -70)).get(10_000)).toEqual(["no-signal"]);
    expect(heard(feed(new AudioQualityMonitor(), noise(10_000, -55)))).not.toContain("no-signal");
  });

  it("gives the same hints whatever the chunk size", () => {
    const byChunk = (audio: Int16Array, samples: number) => {
      const monitor = new AudioQualityMonitor();
      for (let i = 0; i * samples < audio.length; i++) monitor.add(audio.subarray(i * samples, (i + 1) * samples), T0 + (i * samples * 1000) / RATE);
      return monitor.hints;
    };
    const quiet = floatToInt16(talk(12_000, -45, -70));
    const noisy = floatToInt16(talk(12_000, -20, -40));
    expect(byChunk(quiet, 1600)).toEqual(["too-quiet"]);
    expect(byChunk(quiet, 333)).toEqual(["too-quiet"]);
    expect(byChunk(noisy, 1600)).toEqual(["noisy-room"]);
    expect(byChunk(noisy, 333)).toEqual(["noisy-room"]);
  });
});
