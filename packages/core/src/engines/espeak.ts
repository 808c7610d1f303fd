/**
 * Speech synthesis with eSpeak NG compiled to WebAssembly. eSpeak NG is GPL-3.0: it is an optional
 * runtime engine, loaded with a dynamic import only when local mode asks for it, and reached only
 * through the SpeechSynthesizer port.
 */
import wavefile from "wavefile";
import type { SpeechSynthesizer, SynthesizedAudio } from "../ports.ts";

export const ESPEAK_PACKAGE = "@echogarden/espeak-ng-emscripten";

interface Worker {
  get_samplerate(): number;
  list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[];
  set_voice(name: string): number;
  set_rate(wordsPerMinute: number): number;
  synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => boolean): void;
}

/** The eSpeak voice used for each language where the plain code would pick a less common variant. */
const PREFERRED_VOICE: Record<string, string> = { en: "en-us" };

export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly languages: readonly string[];
  private readonly sampleRate: number;
  /** eSpeak is a single-threaded C library with one current voice: calls take turns. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly worker: Worker,
    private readonly voices: Map<string, string>,
  ) {
    this.languages = [...voices.keys()].sort();
    this.sampleRate = worker.get_samplerate();
  }

  static async load(): Promise<EspeakSynthesizer> {
    let createModule: () => Promise<{ eSpeakNGWorker: new () => Worker }>;
    try {
      ({ default: createModule } = (await import(ESPEAK_PACKAGE)) as { default: typeof createModule });
    } catch (error) {
      throw new Error(`eSpeak NG (npm ${ESPEAK_PACKAGE}) is not installed: ${(error as Error).message}; run pnpm install`);
    }
    const module = await createModule();
    const worker = new module.eSpeakNGWorker();
    // ISO 639-1 code -> voice language name, from what this build actually has.
    const voices = new Map<string, string>();
    for (const voice of worker.list_voices()) {
      for (const { name } of voice.languages) {
        const code = name.split("-")[0]!;
        if (/^[a-z]{2}$/.test(code) && !voices.has(code)) voices.set(code, PREFERRED_VOICE[code] ?? code);
      }
    }
    return new EspeakSynthesizer(worker, voices);
  }

  synthesize(text: string, language: string): Promise<SynthesizedAudio> {
    const voice = this.voices.get(language);
    if (!voice) return Promise.reject(new Error(`eSpeak NG has no voice for "${language}"`));
    const run = this.queue.then(() => this.render(text, voice));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private render(text: string, voice: string): SynthesizedAudio {
    if (this.worker.set_voice(voice) !== 0) throw new Error(`eSpeak NG could not select voice "${voice}"`);
    const parts: Int16Array[] = [];
    this.worker.synthesize(text, (samples) => {
      parts.push(samples.slice());
      return false; // false: keep going
    });
    const total = parts.reduce((n, p) => n + p.length, 0);
    const samples = new Int16Array(total);
    let offset = 0;
    for (const p of parts) {
      samples.set(p, offset);
      offset += p.length;
    }
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, this.sampleRate, "16", samples);
    return { data: wav.toBuffer(), format: "audio/wav", durationSeconds: total / this.sampleRate };
  }
}
