/**
 * The koffi binding to Debian's libpocketsphinx 0.8+5prealpha and its libsphinxbase: the native calls the recognizer
 * makes, loaded once per process. Where 5prealpha gives no accessor (a word's frames, the live CMN), its structures
 * are read at their known offsets, checked against each other first, so another build fails clearly instead of
 * returning wrong words.
 */
import koffi, { type KoffiFunc, type LibraryHandle } from "koffi";

export const POCKETSPHINX_PACKAGES = "pocketsphinx pocketsphinx-en-us";
/** Pocketsphinx's frame rate is 100 per second: a frame is 160 samples. */
export const FRAME_SAMPLES = 160;

export type Decoder = unknown;

export interface Native {
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
export function onWorker<A extends unknown[], R>(fn: KoffiFunc<(...args: A) => R>, ...args: A): Promise<R> {
  return new Promise((resolve, reject) => {
    (fn.async as (...a: unknown[]) => void)(...args, (error: unknown, result: R) => (error ? reject(error) : resolve(result)));
  });
}

export function checked(code: number, what: string): number {
  if (code < 0) throw new Error(`pocketsphinx: ${what} failed (${code})`);
  return code;
}

let native: Native | undefined;

/** The native calls, loaded on first use; throws, naming the Debian packages, when the library is missing. */
export function loadNative(): Native {
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
