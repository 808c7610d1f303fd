/**
 * The speech fixtures (fixtures/ at the repository root, or FIXTURES_DIR), read as 16 kHz PCM,
 * and "talks" assembled from them with known utterance spans. For tests and benchmarks only.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wavefile from "wavefile";
import { concatPcm, msToSamples, SAMPLE_RATE, samplesToMs } from "@livetranslate/core/audio";
import { frameDb } from "@livetranslate/core/streaming/segmenter";

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
  return transcribedClips("speech/en");
}

/**
 * English clips that say a name pocketsphinx's dictionary lacks, for the session glossary's tests; kept apart from
 * `englishClips` so the benchmark's and the recognizer's word error rates stay comparable across changes.
 */
export function clipsWithNames(): TranscribedClip[] {
  return transcribedClips("speech/en-names");
}

/** The clips of a fixtures folder with their reference transcripts (`transcripts.tsv`: `file`, tab, `text`). */
function transcribedClips(folder: string): TranscribedClip[] {
  const dir = path.join(fixturesDir(), folder);
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
  /** Offsets in the talk, in ms: the clip's samples. */
  startMs: number;
  endMs: number;
  /** Offsets in the talk, in ms: its voiced speech (see `voicedSpan`), what latency is measured from. */
  voicedStartMs: number;
  voicedEndMs: number;
}

/** A 10 ms frame counts as voiced above this level (RMS relative to full scale). */
export const VOICED_DBFS = -40;

/**
 * Where the speech in a clip starts and ends: the first and last 10 ms frame whose RMS is above -40 dBFS.
 * Recorded clips end with a little quiet (LJ Speech: 115-145 ms); latency is measured from the end of the
 * voice, not of the file.
 */
export function voicedSpan(pcm: Int16Array): { startMs: number; endMs: number } {
  const frame = msToSamples(10);
  let first = -1;
  let last = -1;
  for (let at = 0, n = 0; at + frame <= pcm.length; at += frame, n++) {
    if (frameDb(pcm.subarray(at, at + frame)) > VOICED_DBFS) {
      if (first < 0) first = n;
      last = n;
    }
  }
  if (first < 0) return { startMs: 0, endMs: 0 };
  return { startMs: first * 10, endMs: (last + 1) * 10 };
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
    const voiced = voicedSpan(pcm);
    const startMs = samplesToMs(offset);
    utterances.push({ ...clip, startMs, endMs: samplesToMs(offset + pcm.length), voicedStartMs: startMs + voiced.startMs, voicedEndMs: startMs + voiced.endMs });
    parts.push(pcm, silence);
    offset += pcm.length + silence.length;
  }
  return { pcm: concatPcm(parts), utterances };
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
