/**
 * Speech synthesis with eSpeak NG compiled to WebAssembly. eSpeak NG is GPL-3.0: it is an optional
 * runtime engine, loaded with a dynamic import only when local mode asks for it, and reached only
 * through the SpeechSynthesizer port.
 */
import wavefile from "wavefile";
import type { SpeechSynthesizer, SynthesizedAudio } from "../../ports/index.ts";

export const ESPEAK_PACKAGE = "@echogarden/espeak-ng-emscripten";

/** The part of the package's Emscripten wrapper class (eSpeakNGWorker) used here. */
interface Worker {
  get_samplerate(): number;
  list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[];
  /** espeak_SetVoiceByName: 0 on success. */
  set_voice(name: string): number;
  /** Calls back with each block of Int16 PCM; returning true would stop synthesis. */
  synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => boolean): void;
  /** espeak_TextToPhonemes (IPA when `ipa`): a pointer to a NUL-terminated UTF-8 string in the module's heap. */
  convert_to_phonemes(text: string, ipa: boolean): unknown;
}

/** The Emscripten module around the worker: its heap, and the address behind a wrapped pointer. */
interface Module {
  eSpeakNGWorker: new () => Worker;
  HEAPU8: Uint8Array;
  getPointer(wrapped: unknown): number;
}

/**
 * Voices for the languages our translations arrive in, matching what Apertium writes (Castilian Spanish,
 * European Portuguese). Other languages get eSpeak's default voice for their code.
 */
const VOICES: Record<string, string> = {
  en: "gmw/en-US",
  es: "roa/es",
  fr: "roa/fr",
  pt: "roa/pt",
  it: "roa/it",
  ca: "roa/ca",
  eo: "art/eo",
};

let loading: Promise<EspeakSynthesizer> | undefined;

export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly languages: readonly string[];
  readonly sampleRate: number;
  /** eSpeak is a single-threaded C library with one current voice: calls take turns. */
  private queue: Promise<unknown> = Promise.resolve();
  private currentVoice?: string;

  private constructor(
    private readonly module: Module,
    private readonly worker: Worker,
    private readonly voices: ReadonlyMap<string, string>,
  ) {
    this.languages = [...voices.keys()].sort();
    this.sampleRate = worker.get_samplerate();
  }

  /** The process's one synthesizer: the WASM module and its 24 MB of voice data are loaded once. */
  static load(): Promise<EspeakSynthesizer> {
    loading ??= EspeakSynthesizer.create().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  }

  private static async create(): Promise<EspeakSynthesizer> {
    let createModule: () => Promise<Module>;
    try {
      ({ default: createModule } = (await import(ESPEAK_PACKAGE)) as { default: typeof createModule });
    } catch (error) {
      throw new Error(`eSpeak NG (npm ${ESPEAK_PACKAGE}, an optional dependency of @livetranslate/core) is not installed: ${(error as Error).message}; run pnpm install`);
    }
    const module = await createModule();
    const worker = new module.eSpeakNGWorker();
    // ISO 639-1 code -> voice, for the languages this build actually has.
    const voices = new Map<string, string>();
    const identifiers = new Set<string>();
    for (const voice of worker.list_voices()) {
      identifiers.add(voice.identifier);
      for (const { name } of voice.languages) {
        if (/^[a-z]{2}$/.test(name) && !voices.has(name)) voices.set(name, name);
      }
    }
    for (const [code, identifier] of Object.entries(VOICES)) {
      if (identifiers.has(identifier)) voices.set(code, identifier);
    }
    return new EspeakSynthesizer(module, worker, voices);
  }

  synthesize(text: string, language: string): Promise<SynthesizedAudio> {
    const voice = this.voices.get(language);
    if (!voice) return Promise.reject(new Error(`eSpeak NG has no voice for "${language}"`));
    const run = this.queue.then(() => this.render(text, voice));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The phonemes eSpeak NG would speak for `text`, in IPA, phonemes separated by "_" (the recognizer learns a
   * glossary word's pronunciation from them).
   */
  ipa(text: string, language: string): Promise<string> {
    const voice = this.voices.get(language);
    if (!voice) return Promise.reject(new Error(`eSpeak NG has no voice for "${language}"`));
    const run = this.queue.then(() => {
      this.selectVoice(voice);
      const at = this.module.getPointer(this.worker.convert_to_phonemes(text, true));
      const heap = this.module.HEAPU8;
      const end = heap.indexOf(0, at);
      return new TextDecoder().decode(heap.subarray(at, end < 0 ? at : end)).trim();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private selectVoice(voice: string): void {
    if (voice === this.currentVoice) return;
    if (this.worker.set_voice(voice) !== 0) throw new Error(`eSpeak NG could not select voice "${voice}"`);
    this.currentVoice = voice;
  }

  private render(text: string, voice: string): SynthesizedAudio {
    this.selectVoice(voice);
    const parts: Int16Array[] = [];
    this.worker.synthesize(text, (samples) => {
      parts.push(samples); // already a copy out of the WASM heap
      return false;
    });
    const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      samples.set(part, offset);
      offset += part.length;
    }
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, this.sampleRate, "16", samples);
    return { data: wav.toBuffer(), format: "audio/wav", durationSeconds: samples.length / this.sampleRate };
  }
}
