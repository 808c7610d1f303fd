/**
 * Speech to text with pocketsphinx (Debian's libpocketsphinx 5prealpha), in-process through koffi.
 * Decoding runs on koffi's worker threads (`.async`), so the event loop stays free; a decoder is never
 * used by two calls at once. Decoders are slow to build (~0.3 s, tens of MB), so a small pool is kept.
 */
import { existsSync } from "node:fs";
import koffi from "koffi";
import type { SpeechRecognizer, Utterance } from "../ports.ts";

export const POCKETSPHINX_PACKAGES = "pocketsphinx pocketsphinx-en-us";
const MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

type Pointer = unknown;
type AsyncFn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };

interface Native {
  init(argv: string[]): Pointer;
  startUtt: AsyncFn;
  processRaw: AsyncFn;
  getHyp: AsyncFn;
  endUtt: AsyncFn;
  free: (decoder: Pointer) => number;
}

function call(fn: AsyncFn, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => fn.async(...args, (error: unknown, result: unknown) => (error ? reject(error) : resolve(result))));
}

function loadNative(): Native {
  let sphinxbase;
  let pocketsphinx;
  try {
    sphinxbase = koffi.load("libsphinxbase.so.3");
    pocketsphinx = koffi.load("libpocketsphinx.so.3");
  } catch (error) {
    throw new Error(`pocketsphinx is not installed (${(error as Error).message}); run: apt-get install -y ${POCKETSPHINX_PACKAGES}`);
  }
  const psArgs = pocketsphinx.func("void *ps_args()");
  const parse = sphinxbase.func("void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)");
  const psInit = pocketsphinx.func("void *ps_init(void *config)");
  return {
    init(argv) {
      const config = parse(null, psArgs(), argv.length, argv, 1);
      if (!config) throw new Error(`pocketsphinx rejected its configuration: ${argv.join(" ")}`);
      const decoder = psInit(config);
      if (!decoder) throw new Error("pocketsphinx could not load its model");
      return decoder;
    },
    startUtt: pocketsphinx.func("int ps_start_utt(void *ps)") as AsyncFn,
    processRaw: pocketsphinx.func("int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)") as AsyncFn,
    getHyp: pocketsphinx.func("const char *ps_get_hyp(void *ps, _Out_ int32_t *score)") as AsyncFn,
    endUtt: pocketsphinx.func("int ps_end_utt(void *ps)") as AsyncFn,
    free: pocketsphinx.func("int ps_free(void *ps)") as (decoder: Pointer) => number,
  };
}

export interface PocketsphinxOptions {
  modelDir?: string;
  /** Decoders kept for reuse; more are built on demand when several sessions speak at once. */
  poolSize?: number;
}

export class PocketsphinxRecognizer implements SpeechRecognizer {
  readonly languages = ["en"] as const;
  private readonly native: Native;
  private readonly argv: string[];
  private readonly idle: Pointer[] = [];
  private readonly poolSize: number;
  private closed = false;

  constructor(options: PocketsphinxOptions = {}) {
    const modelDir = options.modelDir ?? MODEL_DIR;
    const files = [`${modelDir}/en-us`, `${modelDir}/en-us.lm.bin`, `${modelDir}/cmudict-en-us.dict`];
    const missing = files.filter((file) => !existsSync(file));
    if (missing.length > 0) {
      throw new Error(`pocketsphinx's English model is missing (${missing.join(", ")}); run: apt-get install -y ${POCKETSPHINX_PACKAGES}`);
    }
    this.native = loadNative();
    this.argv = ["-hmm", files[0]!, "-lm", files[1]!, "-dict", files[2]!, "-logfn", "/dev/null"];
    this.poolSize = options.poolSize ?? 2;
    // Build one decoder now: a broken install fails at startup, not at the first word.
    this.idle.push(this.native.init(this.argv));
  }

  startUtterance(language: string): Utterance {
    if (language !== "en") throw new Error(`pocketsphinx recognizes English only, not "${language}"`);
    const decoder = this.idle.pop() ?? this.native.init(this.argv);
    return new PocketsphinxUtterance(this.native, decoder, (d) => this.release(d));
  }

  close(): void {
    this.closed = true;
    for (const decoder of this.idle.splice(0)) this.native.free(decoder);
  }

  private release(decoder: Pointer): void {
    if (this.closed || this.idle.length >= this.poolSize) this.native.free(decoder);
    else this.idle.push(decoder);
  }
}

class PocketsphinxUtterance implements Utterance {
  /** Every native call on this decoder is chained here, so none overlap. */
  private queue: Promise<unknown>;
  private done = false;

  constructor(
    private readonly native: Native,
    private readonly decoder: Pointer,
    private readonly release: (decoder: Pointer) => void,
  ) {
    this.queue = call(native.startUtt, decoder);
  }

  write(pcm: Int16Array): Promise<string> {
    if (this.done) return Promise.reject(new Error("utterance already finished"));
    const samples = pcm.slice();
    return this.enqueue(async () => {
      await call(this.native.processRaw, this.decoder, samples, samples.length, 0, 0);
      return ((await call(this.native.getHyp, this.decoder, [0])) as string | null) ?? "";
    });
  }

  finish(): Promise<string> {
    if (this.done) return Promise.reject(new Error("utterance already finished"));
    this.done = true;
    return this.enqueue(async () => {
      try {
        await call(this.native.endUtt, this.decoder);
        return ((await call(this.native.getHyp, this.decoder, [0])) as string | null) ?? "";
      } finally {
        this.release(this.decoder);
      }
    });
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    void this.enqueue(async () => {
      try {
        await call(this.native.endUtt, this.decoder);
      } finally {
        this.release(this.decoder);
      }
    }).catch(() => undefined);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
