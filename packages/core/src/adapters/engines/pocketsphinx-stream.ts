/**
 * A recognition stream on pocketsphinx: a run of utterances (`ps_start_utt` ... `ps_end_utt`), one per segment, each
 * on a decoder the recognizer lends it while the segment is open. Native calls on one decoder run one after another,
 * on koffi's worker threads, so the event loop stays free.
 */
import { concatPcm } from "../../audio/index.ts";
import { writeAsGlossary, writeTextAsGlossary } from "../../domain/glossary/index.ts";
import type { HeardWord, RecognitionStream } from "../../ports/index.ts";
import { checked, type Decoder, FRAME_SAMPLES, type Native, onWorker } from "./pocketsphinx-library.ts";

/** 100 ms at 16 kHz: what the speaker app sends per chunk, so a live stream's interim text lags by none. */
const DECODER_BLOCK_SAMPLES = 1600;

/**
 * Segments in order, each its own utterance on a decoder taken from the pool when its first audio comes. Pocketsphinx
 * writes every word in lower case; the session's glossary terms are written as the glossary writes them.
 */
export class PocketsphinxStream implements RecognitionStream {
  private current?: PocketsphinxUtterance;
  private ended = false;

  constructor(
    private readonly startUtterance: () => PocketsphinxUtterance,
    private readonly terms: readonly string[] = [],
  ) {}

  write(pcm: Int16Array): Promise<string> {
    if (this.ended) return Promise.reject(new Error("recognition stream already ended"));
    this.current ??= this.startUtterance();
    return this.current.write(pcm).then(this.written);
  }

  pause(): Promise<string> {
    if (this.ended || !this.current) return Promise.resolve("");
    return this.current.endPhrase().then(this.written);
  }

  async phraseWords(): Promise<HeardWord[]> {
    if (this.ended || !this.current) return [];
    const words = await this.current.phraseWords();
    if (this.terms.length === 0) return words;
    const written = writeAsGlossary(words.map((w) => w.text), this.terms);
    return words.map((w, i) => ({ ...w, text: written[i]! }));
  }

  endSegment(endSample?: number): Promise<string> {
    if (this.ended) return Promise.reject(new Error("recognition stream already ended"));
    const utterance = this.current;
    this.current = undefined;
    return utterance ? utterance.finish(endSample).then(this.written) : Promise.resolve("");
  }

  private readonly written = (text: string) => writeTextAsGlossary(text, this.terms);

  async end(): Promise<void> {
    this.abort();
  }

  abort(): void {
    this.ended = true;
    this.current?.abort();
    this.current = undefined;
  }
}

/**
 * One segment on one decoder: a pocketsphinx utterance per phrase (a pause ends one, and the next audio starts the
 * next on the same decoder, its cepstral mean carried on), the segment's text being its phrases' in order.
 */
export class PocketsphinxUtterance {
  /** Resolves once the decoder is ours and its utterance started; every call waits for it. */
  private readonly started: Promise<Decoder>;
  /** The last native call queued on this decoder: calls run one after another, never together. */
  private tail: Promise<unknown>;
  private done = false;
  private healthy = true;
  /** Audio written but not yet a whole block. */
  private pending = new Int16Array(0);
  /** Each phrase ended so far, in order (filled as the decoder gets to them). */
  private readonly phrases: EndedPhrase[] = [];
  /** A phrase has just ended: the next audio starts another pocketsphinx utterance. */
  private betweenPhrases = false;
  private phraseFailure?: unknown;
  /** Samples written so far, and where the current phrase starts (both from the segment's first sample). */
  private written = 0;
  private phraseStart = 0;

  constructor(
    private readonly native: Native,
    private readonly decoder: Promise<Decoder>,
    initialCmn: Float32Array,
    private readonly release: (decoder: Decoder, healthy: boolean) => void,
  ) {
    this.started = decoder.then(async (d) => {
      try {
        // A decoder adapts to what it decoded before: its cepstral mean, and its front end's noise estimate and
        // voice activity state (which decide where speech starts). Starting each utterance from the model's mean and
        // a new front-end stream makes a segment's text the same whichever pooled decoder (and so whichever
        // execution environment) decodes it.
        native.cmnMean(d).set(initialCmn);
        checked(await onWorker(native.startStream, d), "ps_start_stream");
        checked(await onWorker(native.startUtt, d), "ps_start_utt");
      } catch (error) {
        this.healthy = false;
        throw error;
      }
      return d;
    });
    this.tail = this.started.catch(() => undefined);
  }

  write(pcm: Int16Array): Promise<string> {
    if (this.done) return Promise.reject(new Error("utterance already finished"));
    const blocks = this.blocksOf(pcm);
    const startsPhrase = this.betweenPhrases;
    this.betweenPhrases = false;
    if (startsPhrase) this.phraseStart = this.written;
    this.written += pcm.length;
    return this.run(async (d) => {
      if (startsPhrase) checked(await onWorker(this.native.startUtt, d), "ps_start_utt");
      await this.process(d, blocks);
      return joinPhrases([...this.phrases.map((p) => p.text), (await onWorker(this.native.getHyp, d, [0])) ?? ""]);
    });
  }

  /**
   * Ends the phrase heard so far: its final search runs now, while the speaker may still go on. Resolves to the
   * phrase's text ("" when the last phrase already ended here).
   */
  endPhrase(): Promise<string> {
    if (this.done || this.betweenPhrases) return Promise.resolve("");
    this.betweenPhrases = true;
    const rest = this.takePending();
    const from = this.phraseStart;
    const phrase = this.run(async (d) => {
      await this.process(d, rest);
      return this.endUtterance(d, from);
    });
    phrase.catch((error) => {
      // The segment's text would miss these words: finish() rejects, and the segment is transcribed whole.
      this.phraseFailure ??= error;
    });
    return phrase;
  }

  /** The current phrase's words so far (the first pass's, which the phrase's final pass may still revise). */
  phraseWords(): Promise<HeardWord[]> {
    if (this.done || this.betweenPhrases) return Promise.resolve([]);
    const from = this.phraseStart;
    const to = this.written;
    // Read on this thread: the decoder is ours between queued calls, and a backtrace is microseconds.
    return this.run(async (d) => this.timedWords(d, from).map((w) => ({ text: w.text, endSample: Math.min(to, w.endSample) })));
  }

  /** The segment's text; with `endSample` (from its first sample), only the words whose middle falls before it. */
  finish(endSample?: number): Promise<string> {
    if (this.done) return Promise.reject(new Error("utterance already finished"));
    const rest = this.takePending();
    const open = !this.betweenPhrases;
    const from = this.phraseStart;
    return this.end(async (d) => {
      if (open) {
        await this.process(d, rest);
        await this.endUtterance(d, from);
      }
      if (this.phraseFailure) throw this.phraseFailure;
      if (endSample === undefined) return joinPhrases(this.phrases.map((p) => p.text));
      return this.phrases
        .flatMap((p) => p.words)
        .filter((w) => (w.startSample + w.endSample) / 2 < endSample)
        .map((w) => w.text)
        .join(" ");
    });
  }

  /** Ends the phrase that started at `from` (samples from the segment's start): its final pass, text and timed words. */
  private async endUtterance(d: Decoder, from: number): Promise<string> {
    checked(await onWorker(this.native.endUtt, d), "ps_end_utt");
    const text = (await onWorker(this.native.getHyp, d, [0])) ?? "";
    this.phrases.push({ text, words: this.timedWords(d, from) });
    return text;
  }

  /** The decoder's best words so far in the phrase that started at `from`, placed in samples from the segment's start. */
  private timedWords(d: Decoder, from: number): TimedWord[] {
    return this.native.words(d).map((w) => ({
      text: w.word,
      startSample: from + w.startFrame * FRAME_SAMPLES,
      endSample: from + (w.endFrame + 1) * FRAME_SAMPLES,
    }));
  }

  private takePending(): Int16Array[] {
    const rest = this.pending.length > 0 ? [this.pending] : [];
    this.pending = new Int16Array(0);
    return rest;
  }

  /**
   * The decoder gets audio in blocks of `DECODER_BLOCK_SAMPLES` whatever pieces the caller writes: its live CMN
   * moves its window between calls, so the same audio split differently would decode to different words (a replayed
   * or whole segment against a streamed one). What does not fill a block waits for the next write or the finish.
   * Each block is a copy: the caller may reuse its buffer before the worker thread reads it.
   */
  private blocksOf(pcm: Int16Array): Int16Array[] {
    const all = this.pending.length > 0 ? concatPcm([this.pending, pcm]) : pcm;
    const blocks: Int16Array[] = [];
    let at = 0;
    for (; at + DECODER_BLOCK_SAMPLES <= all.length; at += DECODER_BLOCK_SAMPLES) blocks.push(all.slice(at, at + DECODER_BLOCK_SAMPLES));
    this.pending = all.slice(at);
    return blocks;
  }

  private async process(d: Decoder, blocks: Int16Array[]): Promise<void> {
    for (const block of blocks) checked(await onWorker(this.native.processRaw, d, block, block.length, 0, 0), "ps_process_raw");
  }

  abort(): void {
    if (this.done) return;
    const open = !this.betweenPhrases;
    this.end(async (d) => {
      if (open) checked(await onWorker(this.native.endUtt, d), "ps_end_utt");
    }).catch(() => undefined);
  }

  private run<T>(work: (decoder: Decoder) => Promise<T>): Promise<T> {
    const next = this.tail
      .then(() => this.started)
      .then(async (d) => {
        try {
          return await work(d);
        } catch (error) {
          // A decoder that failed once is not trusted again: it is freed instead of pooled.
          this.healthy = false;
          throw error;
        }
      });
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * The last call of this utterance. The decoder is back in the pool before the result is out, so a
   * caller that starts its next utterance right away gets the same decoder, already adapted to the voice.
   */
  private async end<T>(work: (decoder: Decoder) => Promise<T>): Promise<T> {
    this.done = true;
    try {
      return await this.run(work);
    } finally {
      await this.decoder.then(
        (d) => this.release(d, this.healthy),
        () => undefined, // never got a decoder: nothing to give back
      );
    }
  }
}

/** A word and where it lies, in samples from the segment's start. */
interface TimedWord {
  text: string;
  startSample: number;
  endSample: number;
}

/** A phrase's final text, and its words. */
interface EndedPhrase {
  text: string;
  words: TimedWord[];
}

function joinPhrases(phrases: readonly string[]): string {
  return phrases.filter((p) => p.length > 0).join(" ");
}
