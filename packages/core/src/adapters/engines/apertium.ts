/**
 * Translation with Apertium: one long-lived pipeline per language pair, run in null-flush mode so each
 * request ends at a NUL byte and the dozen processes of a pair stay warm (starting them is far slower than
 * translating a sentence). A target without a pair from English is reached through one pivot language that has
 * both (English -> Catalan -> Occitan): the routes are data, below.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import path from "node:path";
import type { LanguagePair, Translator } from "../../ports/index.ts";

const MODES_DIR = "/usr/share/apertium/modes";
/** Rewrites a mode's shell pipeline so every stage flushes at each NUL (`-z`); ships with `apertium`. */
const WBLANK_MODE = "apertium-wblank-mode";

/** One direction of an Apertium pair: the mode that runs it, and the Debian 12 package that ships the mode. */
export interface ApertiumPair {
  source: string;
  target: string;
  mode: string;
  /** A real package name (not a virtual one such as apertium-en-eo), as scripts/install.sh needs. */
  package: string;
}

/**
 * The directions used here, from Debian 12 (bookworm)'s Apertium packages. Serbo-Croatian's pair writes Croatian,
 * Serbian or Bosnian by its variant modes, and its onward pairs read any of them.
 */
export const APERTIUM_PAIRS: readonly ApertiumPair[] = [
  { source: "en", target: "es", mode: "eng-spa", package: "apertium-eng-spa" },
  { source: "en", target: "ca", mode: "eng-cat", package: "apertium-eng-cat" },
  { source: "en", target: "gl", mode: "en-gl", package: "apertium-en-gl" },
  { source: "en", target: "eo", mode: "en-eo", package: "apertium-eo-en" },
  { source: "en", target: "hr", mode: "eng-hbs_HR", package: "apertium-hbs-eng" },
  { source: "en", target: "sr", mode: "eng-hbs_SR", package: "apertium-hbs-eng" },
  { source: "en", target: "bs", mode: "eng-hbs_BS", package: "apertium-hbs-eng" },
  { source: "es", target: "pt", mode: "es-pt", package: "apertium-es-pt" },
  { source: "es", target: "it", mode: "spa-ita", package: "apertium-spa-ita" },
  { source: "es", target: "ast", mode: "spa-ast", package: "apertium-spa-ast" },
  { source: "es", target: "an", mode: "spa-arg", package: "apertium-spa-arg" },
  { source: "ca", target: "fr", mode: "cat-fra", package: "apertium-fra-cat" },
  { source: "ca", target: "oc", mode: "ca-oc", package: "apertium-oc-ca" },
  { source: "ca", target: "sc", mode: "cat-srd", package: "apertium-cat-srd" },
  { source: "hr", target: "sl", mode: "hbs-slv", package: "apertium-hbs-slv" },
];

/**
 * Every target reached from English: by its own pair, or through `via`, the pivot whose pairs lead from English
 * to it. Where Debian has two ways (Occitan from Catalan or Spanish, Italian from Spanish or Catalan), the one
 * kept is the closer language's or the more complete pair's. Debian 12 has no pair into Romanian (its
 * apertium-es-ro translates Romanian to Spanish only).
 */
export const APERTIUM_TARGETS: Readonly<Record<string, { via?: string }>> = {
  es: {},
  ca: {},
  gl: {},
  eo: {},
  hr: {},
  sr: {},
  bs: {},
  pt: { via: "es" },
  it: { via: "es" },
  ast: { via: "es" },
  an: { via: "es" },
  fr: { via: "ca" },
  oc: { via: "ca" },
  sc: { via: "ca" },
  sl: { via: "hr" },
};

/** The pairs, in order, that take English to a target; undefined when the data lacks one of them. */
export function apertiumRoute(target: string): ApertiumPair[] | undefined {
  const entry = APERTIUM_TARGETS[target];
  if (!entry) return undefined;
  const hops = entry.via ? [["en", entry.via], [entry.via, target]] : [["en", target]];
  const pairs = hops.map(([source, to]) => APERTIUM_PAIRS.find((pair) => pair.source === source && pair.target === to));
  return pairs.every((pair) => pair !== undefined) ? (pairs as ApertiumPair[]) : undefined;
}

/** Characters with a meaning in Apertium's stream format (superblanks, lexical units, marks...). */
const SPECIAL = /[\\[\]^$/<>@{}*#~|]/g;
/** Marks Apertium puts before words it could not analyse, transfer or generate. */
const MARKS = ["*", "#", "@"];

/** Plain text as the stream format wants it: specials escaped, one line, no NUL (our request separator). */
function escapeForApertium(text: string): string {
  return text
    .replace(/[\0-\x08\x0e-\x1f\x7f]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(SPECIAL, (c) => `\\${c}`);
}

/**
 * Apertium's answer as plain text: escapes undone, unknown-word marks dropped unless the input had that character,
 * and no space before a full stop or comma unless the input had one (Spanish -> Asturian writes "colorada .").
 */
function plainOutput(answer: string, input: string): string {
  const marks = MARKS.filter((mark) => !input.includes(mark));
  const text = answer
    .replace(/\\(.)/g, "$1")
    .split("")
    .filter((c) => !marks.includes(c))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
  return /\s[.,]/.test(input) ? text : text.replace(/ ([.,])/g, "$1");
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(path.join(dir, command)));
}

export interface ApertiumOptions {
  modesDir?: string;
  /** How long one request may take, pipeline start included, before it fails and the pipeline is restarted. */
  timeoutMs?: number;
}

export class ApertiumTranslator implements Translator {
  /** The directions offered: English to every target whose pairs are installed, with the pivot if it has one. */
  readonly pairs: readonly LanguagePair[];
  /** One sentence per direction not offered, naming the Debian packages it needs. */
  readonly missing: readonly string[];
  private readonly routes = new Map<string, readonly ApertiumPair[]>();
  private readonly pipelines = new Map<string, ModePipeline>();
  private readonly modesDir: string;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: ApertiumOptions = {}) {
    this.modesDir = options.modesDir ?? MODES_DIR;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const pairs: LanguagePair[] = [];
    const missing: string[] = [];
    const tools = onPath(WBLANK_MODE);
    for (const [target, { via }] of Object.entries(APERTIUM_TARGETS)) {
      const route = apertiumRoute(target);
      if (!route) throw new Error(`Apertium: no pairs are listed for en->${target}${via ? ` via ${via}` : ""}`);
      if (tools && route.every((pair) => existsSync(this.modeFile(pair.mode)))) {
        pairs.push(via ? { source: "en", target, via } : { source: "en", target });
        this.routes.set(target, route);
      } else {
        const packages = [...new Set(route.map((pair) => pair.package))];
        missing.push(`en->${target} needs: apt-get install -y ${tools ? "" : "apertium "}${packages.join(" ")}`);
      }
    }
    this.pairs = pairs;
    this.missing = missing;
  }

  async translate(text: string, source: string, target: string): Promise<string> {
    if (this.closed) throw new Error("Apertium translator is closed");
    const route = source === "en" ? this.routes.get(target) : undefined;
    if (!route) {
      const available = this.pairs.map((p) => `${p.source}->${p.target}`).join(", ") || "none";
      throw new Error(`Apertium cannot translate ${source}->${target} here; available: ${available}`);
    }
    let current = text;
    for (const { mode } of route) {
      const input = escapeForApertium(current);
      if (!input) return "";
      current = plainOutput(await this.pipeline(mode).translate(input), current);
    }
    return current;
  }

  /** Stops every pipeline and waits until their processes are gone; requests still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const pipelines = [...this.pipelines.values()];
    this.pipelines.clear();
    await Promise.all(pipelines.map((pipeline) => pipeline.close()));
  }

  private modeFile(mode: string): string {
    return path.join(this.modesDir, `${mode}.mode`);
  }

  private pipeline(mode: string): ModePipeline {
    let pipeline = this.pipelines.get(mode);
    if (!pipeline) {
      pipeline = new ModePipeline(this.modeFile(mode), this.timeoutMs);
      this.pipelines.set(mode, pipeline);
    }
    return pipeline;
  }
}

interface InFlight {
  resolve(answer: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One pair's pipeline process. Requests go one at a time: the answer to a request is whatever comes
 * before the next NUL, so with a single request in flight an answer can never be matched to the wrong one.
 */
class ModePipeline {
  private child?: ChildProcessWithoutNullStreams;
  private script?: string;
  private inFlight?: InFlight;
  private buffer = "";
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly modeFile: string,
    private readonly timeoutMs: number,
  ) {}

  /** Translates text already escaped for the stream format; resolves to Apertium's raw answer. */
  translate(escaped: string): Promise<string> {
    const run = this.queue.then(() => this.request(escaped));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.fail(new Error("Apertium translator closed"));
    // "close": every stage has exited and its pipes are shut.
    if (child && child.exitCode === null && child.signalCode === null) await once(child, "close");
  }

  private request(escaped: string): Promise<string> {
    if (this.closed) return Promise.reject(new Error("Apertium translator closed"));
    const child = this.ensureProcess();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The pipeline is stuck: it is killed, and the next request starts a fresh one.
        this.fail(new Error(`Apertium (${this.modeFile}) did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.inFlight = { resolve, reject, timer };
      // The trailing space keeps sentence-final punctuation, which the last word would otherwise swallow.
      child.stdin.write(`${escaped} \0`);
    });
  }

  private ensureProcess(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    // $1 = -n: generation without unknown-word marks; $2 = no extra tagger option.
    this.script ??= execFileSync(WBLANK_MODE, ["-z", this.modeFile], { encoding: "utf8" });
    const child = spawn("sh", ["-c", this.script, "sh", "-n", ""], {
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so the whole pipeline (a dozen processes) is stopped at once.
      detached: true,
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (data: string) => this.receive(child, data));
    // The tail of what the stages said, for the error when the pipeline dies (e.g. "lt-proc: not found").
    let said = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (data: string) => {
      said = (said + data).slice(-300);
    });
    const lost = (why: string) => () => {
      if (this.child !== child) return;
      const detail = said.trim() ? `: ${said.trim()}` : "";
      this.fail(new Error(`Apertium (${this.modeFile}) ${why}${detail}`));
    };
    child.on("error", (error) => lost(`could not run: ${error.message}`)());
    // "close", not "exit": by then the stages' last words on stderr are in.
    child.on("close", (code, signal) => lost(`exited (${signal ?? code})`)());
    // EPIPE when the pipeline died: its "close" follows and says why.
    child.stdin.on("error", () => undefined);
    this.child = child;
    this.buffer = "";
    return child;
  }

  private receive(child: ChildProcessWithoutNullStreams, data: string): void {
    if (child !== this.child) return; // a killed pipeline's last words
    this.buffer += data;
    const end = this.buffer.indexOf("\0");
    if (end < 0) return;
    const answer = this.buffer.slice(0, end);
    // Nothing legitimately follows the answer while one request is in flight.
    this.buffer = "";
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.resolve(answer);
    }
  }

  private fail(error: Error): void {
    const child = this.child;
    this.child = undefined;
    // The whole group, even if sh itself is gone: a stage may still hold on.
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(error);
    }
  }
}
