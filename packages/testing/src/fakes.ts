/**
 * Fakes of the ports a segment is delivered through (notifier, translator, synthesizer, audio store): each records
 * what it was given and answers at once, so a test asserts on what went out. Recognizers stay in the tests that need
 * them: each hears differently, by what its test checks.
 */
import type { AudioStore, ConnectionNotifier, Delivery, LanguagePair, SpeechSynthesizer, SynthesizedAudio, Translator } from "@livetranslate/core/ports";
import type { ServerMessage } from "@livetranslate/core/protocol";

export interface Posted {
  to: string;
  message: ServerMessage;
}

/** Records every message posted; a connection in `gone` answers as API Gateway does for a closed one (410). */
export class RecordingNotifier implements ConnectionNotifier {
  readonly sent: Posted[] = [];
  readonly gone = new Set<string>();

  async post(to: string, message: ServerMessage): Promise<Delivery> {
    if (this.gone.has(to)) return "gone";
    this.sent.push({ to, message });
    return "delivered";
  }

  async disconnect(): Promise<void> {}
}

/** Translates by labelling the text with its target ("[es] hello"); a target in `failing` throws, as a crashed engine. */
export class LabellingTranslator implements Translator {
  readonly pairs: LanguagePair[] = [];
  /** The targets asked for, in order. */
  readonly asked: string[] = [];
  readonly failing = new Set<string>();

  async translate(text: string, _source: string, target: string): Promise<string> {
    this.asked.push(target);
    if (this.failing.has(target)) throw new Error(`engine for ${target} crashed`);
    return `[${target}] ${text}`;
  }
}

/** "Speaks" the text as its UTF-8 bytes, labelled WAV, in the languages it has a voice for. */
export class TextSynthesizer implements SpeechSynthesizer {
  /** The languages asked for, in order. */
  readonly spoken: string[] = [];

  constructor(
    readonly languages: readonly string[],
    private readonly durationSeconds = 1.25,
  ) {}

  async synthesize(text: string, language: string): Promise<SynthesizedAudio> {
    this.spoken.push(language);
    return { data: new TextEncoder().encode(text), format: "audio/wav", durationSeconds: this.durationSeconds };
  }
}

/** Keeps objects in memory; a URL names the key and how long it was signed for. */
export class MemoryAudioStore implements AudioStore {
  readonly stored = new Map<string, { data: Uint8Array; contentType: string }>();

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    this.stored.set(key, { data, contentType });
  }

  async presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return `http://audio-store/${key}?expires=${expiresInSeconds}`;
  }
}
