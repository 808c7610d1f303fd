/**
 * Speech to text with pocketsphinx (Debian's libpocketsphinx 0.8+5prealpha), in-process through koffi.
 * Decoding runs on koffi's worker threads (`.async`), so the event loop stays free; a decoder is never
 * used by two calls at once. Decoders are slow to build and large, so a small pool is kept.
 *
 * A recognition stream is a run of utterances (`ps_start_utt` ... `ps_end_utt`), one per segment. Pocketsphinx costs
 * nothing per stream, so a stream holds a decoder only while a segment is open: a session that pauses holds none, and
 * the next segment takes the pool's warm decoder (often the same one, already adapted to the voice).
 *
 * A session's glossary words that the dictionary lacks are added (`ps_add_word`: the dictionary, and the language
 * model as a unigram of 1/N, N its unigrams) to decoders of that session's glossary only, kept in the same pool.
 */
import { existsSync, readFileSync } from "node:fs";
import koffi, { type KoffiFunc, type LibraryHandle } from "koffi";
import { concatPcm } from "../../audio/index.ts";
import type { HeardWord, RecognitionStream, SessionVocabulary, SpeechRecognizer } from "../../ports/index.ts";
import { letterToSound, type Pronouncer } from "./pronunciation.ts";

export const POCKETSPHINX_PACKAGES = "pocketsphinx pocketsphinx-en-us";
/** 100 ms at 16 kHz: what the speaker app sends per chunk, so a live stream's interim text lags by none. */
const DECODER_BLOCK_SAMPLES = 1600;
/** Pocketsphinx's frame rate is 100 per second: a frame is 160 samples. */
const FRAME_SAMPLES = 160;
const MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

type Decoder = unknown;

interface Native {
  newConfig(argv: string[]): unknown;
  freeConfig: KoffiFunc<(config: unknown) => number>;
  init: KoffiFunc<(config: unknown) => Decoder | null>;
  startStream: KoffiFunc<(ps: Decoder) => number>;
  startUtt: KoffiFunc<(ps: Decoder) => number>;
  processRaw: KoffiFunc<(ps: Decoder, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number>;
  getHyp: KoffiFunc<(ps: Decoder, score: number[]) => string | null>;
  endUtt: KoffiFunc<(ps: Decoder) => number>;
  free: KoffiFunc<(ps: Decoder) => number>;
  /** Adds a word to the dictionary and the language model (a unigram); `update` rebuilds the search with it. */
  addWord: KoffiFunc<(ps: Decoder, word: string, phones: string, update: number) => number>;
  /**
   * The words of the best hypothesis so far in the utterance (after `ps_end_utt`, the final one), each with its first
   * and last frame (fillers and silences left out).
   */
  words(ps: Decoder): { word: string; startFrame: number; endFrame: number }[];
  /** The decoder's running cepstral mean (live CMN), which it carries from one utterance to the next. */
  cmnMean(ps: Decoder): { get(): Float32Array; set(mean: Float32Array): void };
}

/** Runs a native call on a koffi worker thread. */
function onWorker<A extends unknown[], R>(fn: KoffiFunc<(...args: A) => R>, ...args: A): Promise<R> {
  return new Promise((resolve, reject) => {
    (fn.async as (...a: unknown[]) => void)(...args, (error: unknown, result: R) => (error ? reject(error) : resolve(result)));
  });
}

function checked(code: number, what: string): number {
  if (code < 0) throw new Error(`pocketsphinx: ${what} failed (${code})`);
  return code;
}

let native: Native | undefined;

function loadNative(): Native {
  if (native) return native;
  let sphinxbase: LibraryHandle;
  let pocketsphinx: LibraryHandle;
  try {
    sphinxbase = koffi.load("libsphinxbase.so.3");
    pocketsphinx = koffi.load("libpocketsphinx.so.3");
  } catch (error) {
    throw new Error(
      `pocketsphinx's library is not installed (${(error as Error).message}); it is Debian's libpocketsphinx3, run: apt-get install -y ${POCKETSPHINX_PACKAGES}`,
    );
  }
  // Logging is switched off once for the whole process instead of per decoder with `-logfn`: ps_init
  // would fclose() the shared log FILE while decoders on other threads may be writing to it.
  sphinxbase.func("void err_set_logfp(void *stream)")(null);
  const psArgs = pocketsphinx.func("void *ps_args()");
  // The non-variadic twin of cmd_ln_init: the same parse, without a variadic call through the FFI.
  const parse = sphinxbase.func("void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)");
  native = {
    newConfig: (argv) => parse(null, psArgs(), argv.length, argv, 1),
    freeConfig: sphinxbase.func("int cmd_ln_free_r(void *config)"),
    init: pocketsphinx.func("void *ps_init(void *config)"),
    startStream: pocketsphinx.func("int ps_start_stream(void *ps)"),
    startUtt: pocketsphinx.func("int ps_start_utt(void *ps)"),
    processRaw: pocketsphinx.func("int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)"),
    // 5prealpha: no uttid argument; the hypothesis string belongs to the decoder and is copied by koffi.
    getHyp: pocketsphinx.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)"),
    endUtt: pocketsphinx.func("int ps_end_utt(void *ps)"),
    free: pocketsphinx.func("int ps_free(void *ps)"),
    addWord: pocketsphinx.func("int ps_add_word(void *ps, const char *word, const char *phones, int update)"),
    words: segmentationOf(pocketsphinx),
    cmnMean: cmnOf(pocketsphinx, sphinxbase),
  };
  return native;
}

/**
 * The word segmentation of a decoder's best hypothesis (`ps_seg_*`): during the utterance, the first pass's.
 * `ps_seg_next` frees the iterator when it returns NULL. 0.8 took a score pointer in `ps_seg_iter` that 5prealpha
 * dropped; one is passed anyway, which 5prealpha ignores.
 *
 * The frames come from the segment itself (`ps_seg_t`: `sf` at byte 24, `ef` at byte 28 in 5prealpha's layout),
 * counted from the utterance's start: `ps_seg_frames` adds the front end's stream offset, which jumps during an
 * utterance in 5prealpha. The two must differ by one offset, checked before use. They are the audio's frames only
 * because the decoder drops none (`-remove_silence no`, see the constructor).
 */
function segmentationOf(pocketsphinx: LibraryHandle): Native["words"] {
  const iter = pocketsphinx.func("void *ps_seg_iter(void *ps, _Out_ int32_t *score)");
  const next = pocketsphinx.func("void *ps_seg_next(void *seg)");
  const wordOf = pocketsphinx.func("const char *ps_seg_word(void *seg)");
  const frames = pocketsphinx.func("void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)");
  return (decoder) => {
    const words: { word: string; startFrame: number; endFrame: number }[] = [];
    for (let seg = iter(decoder, [0]); seg; seg = next(seg)) {
      const word = (wordOf(seg) as string | null) ?? "";
      const start = koffi.decode(seg, 24, "int32") as number;
      const end = koffi.decode(seg, 28, "int32") as number;
      const offset = [0];
      const offsetEnd = [0];
      frames(seg, offset, offsetEnd);
      if (start < 0 || end < start || offset[0]! - start !== offsetEnd[0]! - end || offset[0]! < start) {
        throw new Error("pocketsphinx: this libpocketsphinx's segment layout is not 0.8+5prealpha's; words cannot be timed");
      }
      // <s>, </s>, <sil> and fillers ([NOISE], ++BREATH++) are not words; "read(2)" is an alternate pronunciation.
      if (word === "" || /^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(word)) continue;
      words.push({ word: word.replace(/\(\d+\)$/, ""), startFrame: start, endFrame: end });
    }
    return words;
  };
}

/**
 * The live CMN of a decoder, reached through sphinxbase's `feat_t` as Debian's 5prealpha lays it out (its `cepsize`
 * at byte 16, its `cmn_t *` at byte 88; `cmn_t` has `veclen` at byte 28), checked against each other before use.
 */
function cmnOf(pocketsphinx: LibraryHandle, sphinxbase: LibraryHandle): Native["cmnMean"] {
  const getFeat = pocketsphinx.func("void *ps_get_feat(void *ps)");
  const liveGet = sphinxbase.func("int32 cmn_live_get(void *cmn, _Out_ float *vec)");
  const liveSet = sphinxbase.func("void cmn_live_set(void *cmn, const float *vec)");
  return (decoder) => {
    const feat = getFeat(decoder);
    const cepsize = koffi.decode(feat, 16, "int32") as number;
    const cmn = koffi.decode(feat, 88, "void *");
    if (!cmn || cepsize < 1 || cepsize > 64 || koffi.decode(cmn, 28, "int32") !== cepsize) {
      throw new Error("pocketsphinx: this libsphinxbase's feature layout is not 0.8+5prealpha's; its CMN cannot be reset");
    }
    return {
      get() {
        const mean = new Float32Array(cepsize);
        liveGet(cmn, mean);
        return mean;
      },
      set: (mean) => void liveSet(cmn, mean),
    };
  };
}

/**
 * The first pass (`fwdtree`, run as the audio comes) keeps fewer active HMMs and word exits per frame than
 * pocketsphinx's defaults (30 000 and no limit). It decodes every second of every stream, and under random routing
 * each execution environment catches up on the audio it missed, so its cost multiplies; this limit keeps the
 * transcribed fixtures' words, a lower one loses some (docs/design/recognition.md).
 */
export const FIRST_PASS_ARGS: readonly string[] = ["-maxhmmpf", "8000", "-maxwpf", "5"];

/**
 * The final pass (`fwdflat`, run when an utterance or phrase ends) searches fewer word ends and successors than
 * pocketsphinx's defaults (4 end frames, a 25-frame successor window, word beam 7e-29): it is what a caption waits
 * for once the speaker pauses.
 */
export const FINAL_PASS_ARGS: readonly string[] = ["-fwdflatefwid", "2", "-fwdflatsfwin", "10", "-fwdflatwbeam", "1e-20"];

/** Both passes' settings. `pnpm bench`'s recognizer scenario compares them with pocketsphinx's defaults on the transcribed fixtures. */
export const SEARCH_ARGS: readonly string[] = [...FIRST_PASS_ARGS, ...FINAL_PASS_ARGS];

export interface PocketsphinxOptions {
  /** Folder with the `en-us` acoustic model, `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string;
  /** The search's settings; `SEARCH_ARGS` by default, `[]` for pocketsphinx's own (the benchmark compares). */
  searchArgs?: readonly string[];
  /** Idle decoders kept for reuse; more are built on demand when several sessions speak at once. */
  poolSize?: number;
  /**
   * Pronounces the glossary words the dictionary lacks (see pronunciation.ts: eSpeak NG's phonemes where it is
   * installed); from the spelling alone by default.
   */
  pronounce?: Pronouncer;
}

/** A word a session's glossary adds to its decoders, with its pronunciation in the dictionary's phones. */
export interface AddedWord {
  word: string;
  phones: string;
}

/** A decoder waiting in the pool, with the words added to it (a session's), by which it is found again. */
interface IdleDecoder {
  decoder: Decoder;
  added: string;
}

export class PocketsphinxRecognizer implements SpeechRecognizer {
  readonly languages = ["en"] as const;
  private readonly native: Native;
  private readonly argv: string[];
  private readonly idle: IdleDecoder[] = [];
  private readonly poolSize: number;
  private readonly dictionaryFile: string;
  private dictionary?: Set<string>;
  private readonly pronounce: Pronouncer;
  /** Pronunciations made so far, by word: a session's streams start again and again with the same glossary. */
  private readonly pronounced = new Map<string, Promise<string | undefined>>();
  /** A new decoder's cepstral mean (the model's `-cmninit`), where every utterance starts. */
  private readonly initialCmn: Float32Array;
  private closed = false;

  /** Throws, naming the Debian packages, when the library or the English model is missing. */
  constructor(options: PocketsphinxOptions = {}) {
    const modelDir = options.modelDir ?? MODEL_DIR;
    const files = [`${modelDir}/en-us`, `${modelDir}/en-us.lm.bin`, `${modelDir}/cmudict-en-us.dict`] as const;
    const missing = files.filter((file) => !existsSync(file));
    if (missing.length > 0) {
      throw new Error(
        `pocketsphinx's English model is missing (${missing.join(", ")}); it is Debian's pocketsphinx-en-us, run: apt-get install -y ${POCKETSPHINX_PACKAGES}`,
      );
    }
    this.native = loadNative();
    // Every frame is decoded (`-remove_silence no`): the front end would otherwise drop the frames it finds silent,
    // and the words' frames would no longer be the audio's (a word after a pause would seem to come before it).
    this.argv = ["-hmm", files[0], "-lm", files[1], "-dict", files[2], "-remove_silence", "no", ...(options.searchArgs ?? SEARCH_ARGS)];
    this.poolSize = options.poolSize ?? 2;
    this.dictionaryFile = files[2];
    this.pronounce = options.pronounce ?? (async (word) => letterToSound(word));
    // One decoder now, on this thread: a broken install fails at startup, not at the first word.
    const config = this.native.newConfig(this.argv);
    if (!config) throw new Error(`pocketsphinx rejected its configuration: ${this.argv.join(" ")}`);
    const decoder = this.native.init(config);
    this.native.freeConfig(config);
    if (!decoder) throw new Error(`pocketsphinx could not load its model from ${modelDir}`);
    this.initialCmn = this.native.cmnMean(decoder).get();
    this.idle.push({ decoder, added: "" });
  }

  /**
   * A stream of a session with a glossary decodes on decoders that have the glossary's words the dictionary lacks,
   * and only those: a word added to a decoder stays in it, and another session's speech would be heard as it.
   */
  startStream(language: string, vocabulary?: SessionVocabulary): RecognitionStream {
    if (this.closed) throw new Error("pocketsphinx recognizer is closed");
    if (language !== "en") throw new Error(`pocketsphinx recognizes English only, not "${language}"`);
    let added: Promise<AddedWord[]> | undefined;
    return new PocketsphinxStream(() => this.startUtterance((added ??= this.wordsToAdd(vocabulary?.terms ?? []))));
  }

  /**
   * The words of `terms` the dictionary lacks, each with a pronunciation (a word none can be made for is left out:
   * it cannot be heard, but it takes nothing else with it).
   */
  async wordsToAdd(terms: readonly string[]): Promise<AddedWord[]> {
    const words = [...new Set(terms.flatMap((term) => term.toLowerCase().split(/[^\p{L}']+/u)))].filter((w) => /\p{L}/u.test(w)).sort();
    if (words.length === 0) return [];
    const dictionary = this.loadDictionary();
    const added: AddedWord[] = [];
    for (const word of words.filter((w) => !dictionary.has(w))) {
      if (!this.pronounced.has(word)) {
        // Bounded: a long-running process meets many sessions' glossaries.
        if (this.pronounced.size >= 10_000) this.pronounced.clear();
        this.pronounced.set(word, this.pronounce(word).catch(() => letterToSound(word)));
      }
      const phones = await this.pronounced.get(word)!;
      if (phones) added.push({ word, phones });
    }
    return added;
  }

  /** The dictionary's words, read when a glossary first needs them (alternates such as "read(2)" are the same word). */
  private loadDictionary(): Set<string> {
    this.dictionary ??= new Set(
      readFileSync(this.dictionaryFile, "utf8")
        .split("\n")
        .map((line) => line.slice(0, line.indexOf(" ")).replace(/\(\d+\)$/, ""))
        .filter(Boolean),
    );
    return this.dictionary;
  }

  private startUtterance(added: Promise<AddedWord[]>): PocketsphinxUtterance {
    if (this.closed) throw new Error("pocketsphinx recognizer is closed");
    let key = "";
    const decoder = added
      .then((words) => this.acquire(words))
      .then((idle) => {
        key = idle.added;
        return idle.decoder;
      });
    return new PocketsphinxUtterance(this.native, decoder, this.initialCmn, (d, healthy) => this.release({ decoder: d, added: key }, healthy));
  }

  /** Decoders built and waiting for an utterance. */
  get idleDecoders(): number {
    return this.idle.length;
  }

  /** Frees the idle decoders now and each busy one when its utterance ends. */
  close(): void {
    this.closed = true;
    for (const { decoder } of this.idle.splice(0)) this.native.free(decoder);
  }

  /** An idle decoder with exactly these words added, or a new one they are added to. */
  private async acquire(words: readonly AddedWord[]): Promise<IdleDecoder> {
    const added = words.map((w) => `${w.word} ${w.phones}`).join("\n");
    const at = this.idle.findLastIndex((idle) => idle.added === added);
    if (at >= 0) return this.idle.splice(at, 1)[0]!;
    // Built on a worker thread: building one would otherwise stall every other session.
    const config = this.native.newConfig(this.argv);
    let decoder: Decoder | null;
    try {
      decoder = await onWorker(this.native.init, config);
      if (!decoder) throw new Error("pocketsphinx could not build a decoder");
    } finally {
      this.native.freeConfig(config);
    }
    try {
      // The search is rebuilt once, with the last word.
      for (const [i, { word, phones }] of words.entries()) {
        checked(await onWorker(this.native.addWord, decoder, word, phones, i === words.length - 1 ? 1 : 0), `ps_add_word "${word}" /${phones}/`);
      }
    } catch (error) {
      this.native.free(decoder);
      throw error;
    }
    return { decoder, added };
  }

  /** Keeps the decoder for the next utterance; past the pool's size, the one idle longest is freed. */
  private release(idle: IdleDecoder, healthy: boolean): void {
    if (!healthy || this.closed) {
      this.native.free(idle.decoder);
      return;
    }
    this.idle.push(idle);
    while (this.idle.length > this.poolSize) this.native.free(this.idle.shift()!.decoder);
  }
}

/** Segments in order, each its own utterance on a decoder taken from the pool when its first audio comes. */
class PocketsphinxStream implements RecognitionStream {
  private current?: PocketsphinxUtterance;
  private ended = false;

  constructor(private readonly startUtterance: () => PocketsphinxUtterance) {}

  write(pcm: Int16Array): Promise<string> {
    if (this.ended) return Promise.reject(new Error("recognition stream already ended"));
    this.current ??= this.startUtterance();
    return this.current.write(pcm);
  }

  pause(): Promise<string> {
    if (this.ended || !this.current) return Promise.resolve("");
    return this.current.endPhrase();
  }

  phraseWords(): Promise<HeardWord[]> {
    if (this.ended || !this.current) return Promise.resolve([]);
    return this.current.phraseWords();
  }

  endSegment(endSample?: number): Promise<string> {
    if (this.ended) return Promise.reject(new Error("recognition stream already ended"));
    const utterance = this.current;
    this.current = undefined;
    return utterance ? utterance.finish(endSample) : Promise.resolve("");
  }

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
class PocketsphinxUtterance {
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
