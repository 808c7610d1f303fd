/**
 * The speech fixtures (fixtures/ at the repository root, or FIXTURES_DIR), read as 16 kHz PCM,
 * and "talks" assembled from them with known utterance spans. For tests and benchmarks only.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wavefile from "wavefile";
import { concatPcm, msToSamples, SAMPLE_RATE, samplesToMs } from "../audio/index.ts";
import { frameDb } from "../segmenter/index.ts";

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (pnpm-workspace.yaml)");
    dir = parent;
  }
  return dir;
}

export function fixturesDir(): string {
  const dir = process.env.FIXTURES_DIR ?? path.join(repoRoot(), "fixtures");
  if (!existsSync(dir)) throw new Error(`speech fixtures not found at ${dir}; set FIXTURES_DIR`);
  return dir;
}

/** Reads a WAV file as mono 16-bit PCM at the given rate (resampled with wavefile's sinc interpolation). */
export function readWav(file: string, sampleRate = SAMPLE_RATE): Int16Array {
  const wav = new wavefile.WaveFile(readFileSync(file));
  wav.toBitDepth("16");
  if ((wav.fmt as { sampleRate: number }).sampleRate !== sampleRate) {
    wav.toSampleRate(sampleRate, { method: "sinc" });
  }
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  return Array.isArray(samples) ? samples[0]! : samples;
}

export interface TranscribedClip {
  file: string;
  text: string;
}

export function englishClips(): TranscribedClip[] {
  const dir = path.join(fixturesDir(), "speech/en");
  return readFileSync(path.join(dir, "transcripts.tsv"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("file\t"))
    .map((line) => {
      const [file, ...text] = line.split("\t");
      return { file: path.join(dir, file!), text: text.join(" ") };
    });
}

export function untranscribedClips(): string[] {
  const dir = path.join(fixturesDir(), "speech/en-untranscribed");
  return ["09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"].map((n) =>
    path.join(dir, `LJ001-00${n}.wav`),
  );
}

export interface Utterance {
  file: string;
  text?: string;
  /** Offsets in the talk, in ms. */
  startMs: number;
  endMs: number;
  /** Where the voice stops (see `voicedEndSample`): latency is measured from here, not from `endMs`. */
  voicedEndMs: number;
}

export interface Talk {
  pcm: Int16Array;
  utterances: Utterance[];
}

/** Joins clips with silences between them (and before the first), as a speaker pausing between sentences. */
export function assembleTalk(clips: readonly { file: string; text?: string }[], silenceMs = 1000): Talk {
  const silence = new Int16Array(msToSamples(silenceMs));
  const parts: Int16Array[] = [silence];
  const utterances: Utterance[] = [];
  let offset = silence.length;
  for (const clip of clips) {
    const pcm = readWav(clip.file);
    utterances.push({
      ...clip,
      startMs: samplesToMs(offset),
      endMs: samplesToMs(offset + pcm.length),
      voicedEndMs: samplesToMs(offset + voicedEndSample(pcm)),
    });
    parts.push(pcm, silence);
    offset += pcm.length + silence.length;
  }
  return { pcm: concatPcm(parts), utterances };
}

/**
 * The end of the last 10 ms frame (counted from the clip's start) above -40 dBFS: where the speaker stops
 * talking. Recordings end with some quiet (the LJ clips with 115-145 ms), which is not speech.
 */
export function voicedEndSample(pcm: Int16Array, frameMs = 10, thresholdDb = -40): number {
  const frame = msToSamples(frameMs);
  for (let start = Math.floor((pcm.length - 1) / frame) * frame; start >= 0; start -= frame) {
    const end = Math.min(pcm.length, start + frame);
    if (frameDb(pcm.subarray(start, end)) > thresholdDb) return end;
  }
  return 0;
}

export function* chunksOf(pcm: Int16Array, chunkMs = 100): Generator<Int16Array> {
  const size = msToSamples(chunkMs);
  for (let at = 0; at < pcm.length; at += size) yield pcm.subarray(at, Math.min(pcm.length, at + size));
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

/** Word error rate: word-level edit distance over the reference's word count. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    previous = current;
  }
  return ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : previous[hyp.length]! / ref.length;
}

export { SAMPLE_RATE };
