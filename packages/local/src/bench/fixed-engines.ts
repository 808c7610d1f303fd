/**
 * Fixed-latency test engines: stand-ins for ASR, MT and TTS that take a set time and produce plausible
 * output, so the fan-out, scale and drift benchmarks measure livetranslate's own overhead, not the
 * engines'. Named as such in every figure they produce; never used outside the benchmark.
 */
import type { Engines } from "@livetranslate/core/domain/languages";
import wavefile from "wavefile";

export const FIXED_ENGINE_LANGUAGES = ["ar", "ca", "da", "de", "es", "fi", "fr", "hi", "it", "ja", "ko", "nl", "no", "pl", "pt", "ru", "sv", "tr", "uk", "zh"];

export interface FixedLatency {
  asrMs: number;
  mtMs: number;
  ttsMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function fixedLatencyEngines(latency: FixedLatency = { asrMs: 20, mtMs: 10, ttsMs: 15 }): Engines & { label: string } {
  // Half a second of quiet audio at 22 050 Hz: what a short synthesized sentence weighs.
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, 22_050, "16", new Int16Array(11_025).map((_, i) => Math.round(800 * Math.sin(i / 8))));
  const audio = wav.toBuffer();
  return {
    label: `fixed-latency test engines (ASR ${latency.asrMs} ms, MT ${latency.mtMs} ms, TTS ${latency.ttsMs} ms)`,
    recognizer: {
      languages: ["en"],
      startStream() {
        let samples = 0;
        return {
          async write(pcm) {
            samples += pcm.length;
            return "";
          },
          async endSegment(endSample) {
            const heard = endSample ?? samples;
            samples = 0;
            await sleep(latency.asrMs);
            // About two words a second of speech.
            return Array.from({ length: Math.max(1, Math.round(heard / 8000)) }, (_, i) => `word${i}`).join(" ");
          },
          async pause() {
            return "";
          },
          async phraseWords() {
            return [];
          },
          async end() {},
          abort() {},
        };
      },
    },
    translator: {
      pairs: FIXED_ENGINE_LANGUAGES.map((target) => ({ source: "en", target })),
      async translate(text, _source, target) {
        await sleep(latency.mtMs);
        return `[${target}] ${text}`;
      },
    },
    synthesizer: {
      languages: FIXED_ENGINE_LANGUAGES,
      async synthesize() {
        await sleep(latency.ttsMs);
        return { data: audio, format: "audio/wav", durationSeconds: 0.5 };
      },
    },
  };
}
