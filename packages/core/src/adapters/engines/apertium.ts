/**
 * Translation with Apertium: one long-lived pipeline per language pair, run in null-flush mode so each
 * request ends at a NUL byte and the dozen processes of a pair stay warm (starting them is far slower than
 * translating a sentence). Directions without a direct pair are chained through one that has both
 * (en->fr via Catalan, en->pt and en->it via Spanish).
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import path from "node:path";
import type { LanguagePair, Translator } from "../../ports.ts";

const MODES_DIR = "/usr/share/apertium/modes";
/** Rewrites a mode's shell pipeline so every stage flushes at each NUL (`-z`); ships with `apertium`. */
const WBLANK_MODE = "apertium-wblank-mode";

/** The pairs (mode names) each English -> target direction runs through, in order, and their packages. */
export const APERTIUM_ROUTES: Record<string, { modes: string[]; packages: string[] }> = {
  es: { modes: ["eng-spa"], packages: ["apertium-eng-spa"] },
  ca: { modes: ["eng-cat"], packages: ["apertium-eng-cat"] },
  fr: { modes: ["eng-cat", "cat-fra"], packages: ["apertium-eng-cat", "apertium-fra-cat"] },
  pt: { modes: ["eng-spa", "es-pt"], packages: ["apertium-eng-spa", "apertium-es-pt"] },
  it: { modes: ["eng-spa", "spa-ita"], packages: ["apertium-eng-spa", "apertium-spa-ita"] },
  gl: { modes: ["en-gl"], packages: ["apertium-en-gl"] },
  eo: { modes: ["en-eo"], packages: ["apertium-en-eo"] },
};

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

/** Apertium's answer as plain text: escapes undone, and unknown-word marks dropped unless the input had that character. */
function plainOutput(answer: string, input: string): string {
  const marks = MARKS.filter((mark) => !input.includes(mark));
  return answer
    .replace(/\\(.)/g, "$1")
    .split("")
    .filter((c) => !marks.includes(c))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
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
  readonly pairs: readonly LanguagePair[];
  /** One sentence per direction not offered, naming the Debian packages it needs. */
  readonly missing: readonly string[];
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
    for (const [target, route] of Object.entries(APERTIUM_ROUTES)) {
      if (tools && route.modes.every((mode) => existsSync(this.modeFile(mode)))) pairs.push({ source: "en", target });
      else missing.push(`en->${target} needs: apt-get install -y ${tools ? "" : "apertium "}${route.packages.join(" ")}`);
    }
    this.pairs = pairs;
    this.missing = missing;
  }

  async translate(text: string, source: string, target: string): Promise<string> {
    if (this.closed) throw new Error("Apertium translator is closed");
    const route = APERTIUM_ROUTES[target];
    if (source !== "en" || !route || !this.pairs.some((p) => p.target === target)) {
      const available = this.pairs.map((p) => `${p.source}->${p.target}`).join(", ") || "none";
      throw new Error(`Apertium cannot translate ${source}->${target} here; available: ${available}`);
    }
    let current = text;
    for (const mode of route.modes) {
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
