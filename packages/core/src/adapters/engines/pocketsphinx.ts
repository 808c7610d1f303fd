/**
 * Speech to text with pocketsphinx (Debian's libpocketsphinx 0.8+5prealpha), in-process through koffi
 * (pocketsphinx-library.ts). Decoders are slow to build and large, so a small pool is kept; a decoder is never
 * used by two calls at once.
 *
 * Pocketsphinx costs nothing per stream, so a stream (pocketsphinx-stream.ts) holds a decoder only while a segment is
 * open: a session that pauses holds none, and the next segment takes the pool's warm decoder (often the same one,
 * already adapted to the voice).
 *
 * A session's glossary words that the dictionary lacks are added (`ps_add_word`: the dictionary, with each of the
 * word's pronunciations, and the language model as a unigram of 1/N, N its unigrams) to decoders of that session's
 * glossary only, kept in the same pool; its streams write the glossary's terms as the glossary writes them.
 */
import { existsSync, readFileSync } from "node:fs";
import type { RecognitionStream, SessionVocabulary, SpeechRecognizer } from "../../ports/index.ts";
import { checked, type Decoder, loadNative, type Native, onWorker, POCKETSPHINX_PACKAGES } from "./pocketsphinx-library.ts";
import { PocketsphinxStream, PocketsphinxUtterance } from "./pocketsphinx-stream.ts";
import { type Pronouncer, pronouncer } from "./pronunciation.ts";

export { POCKETSPHINX_PACKAGES };
const MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

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

/** A word a session's glossary adds to its decoders, with its pronunciations in the dictionary's phones, likeliest first. */
export interface AddedWord {
  word: string;
  pronunciations: string[];
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
  private readonly pronounced = new Map<string, Promise<string[]>>();
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
    this.pronounce = options.pronounce ?? pronouncer();
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
    const terms = vocabulary?.terms ?? [];
    let added: Promise<AddedWord[]> | undefined;
    return new PocketsphinxStream(() => this.startUtterance((added ??= this.wordsToAdd(terms))), terms);
  }

  /**
   * The words of `terms` the dictionary lacks, each with its pronunciations (a word none can be made for is left out:
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
        this.pronounced.set(word, this.pronounce(word).catch(() => pronouncer()(word)));
      }
      const pronunciations = await this.pronounced.get(word)!;
      if (pronunciations.length > 0) added.push({ word, pronunciations });
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
    const added = words.map((w) => `${w.word} ${w.pronunciations.join(" | ")}`).join("\n");
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
      // Alternates are named as the dictionary names its own ("read(2)"); the search is rebuilt once, with the last.
      const entries = words.flatMap(({ word, pronunciations }) => pronunciations.map((phones, i) => ({ word: i === 0 ? word : `${word}(${i + 1})`, phones })));
      for (const [i, { word, phones }] of entries.entries()) {
        checked(await onWorker(this.native.addWord, decoder, word, phones, i === entries.length - 1 ? 1 : 0), `ps_add_word "${word}" /${phones}/`);
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
