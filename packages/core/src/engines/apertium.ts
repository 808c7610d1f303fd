/**
 * Translation with Apertium: one long-lived pipeline per language pair (the pair's mode run in
 * null-flush mode, so each request ends at a NUL byte and the process stays warm: a few ms a sentence
 * instead of ~0.3 s to start a pipeline). Directions without a direct pair are chained through one that
 * has both (en->fr via Catalan, en->pt and en->it via Spanish).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { LanguagePair, Translator } from "../ports.ts";

const MODES_DIR = "/usr/share/apertium/modes";

/** The pairs (mode names) each English -> target direction runs through, in order. */
export const APERTIUM_ROUTES: Record<string, { modes: string[]; packages: string[] }> = {
  es: { modes: ["eng-spa"], packages: ["apertium-eng-spa"] },
  ca: { modes: ["eng-cat"], packages: ["apertium-eng-cat"] },
  fr: { modes: ["eng-cat", "cat-fra"], packages: ["apertium-eng-cat", "apertium-fra-cat"] },
  pt: { modes: ["eng-spa", "es-pt"], packages: ["apertium-eng-spa", "apertium-es-pt"] },
  it: { modes: ["eng-spa", "spa-ita"], packages: ["apertium-eng-spa", "apertium-spa-ita"] },
  gl: { modes: ["en-gl"], packages: ["apertium-en-gl"] },
  eo: { modes: ["en-eo"], packages: ["apertium-en-eo"] },
};

/** Apertium's stream format gives these characters meaning; plain text must escape them. */
const SPECIAL = /[\\[\]^$/<>@{}*#~|]/g;

function escapeText(text: string): string {
  return text.replace(/\0/g, "").replace(/\s+/g, " ").trim().replace(SPECIAL, (c) => `\\${c}`);
}

function unescapeText(text: string): string {
  return text.replace(/\\(.)/g, "$1").replace(/\s+/g, " ").trim();
}

export interface ApertiumOptions {
  modesDir?: string;
  timeoutMs?: number;
}

export class ApertiumTranslator implements Translator {
  readonly pairs: readonly LanguagePair[];
  /** What is missing for the directions not offered: a sentence per direction naming the packages. */
  readonly missing: readonly string[];
  private readonly pipelines = new Map<string, ModePipeline>();
  private readonly modesDir: string;
  private readonly timeoutMs: number;

  constructor(options: ApertiumOptions = {}) {
    this.modesDir = options.modesDir ?? MODES_DIR;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const pairs: LanguagePair[] = [];
    const missing: string[] = [];
    for (const [target, route] of Object.entries(APERTIUM_ROUTES)) {
      if (route.modes.every((mode) => existsSync(this.modeFile(mode)))) pairs.push({ source: "en", target });
      else missing.push(`en->${target} needs: apt-get install -y ${route.packages.join(" ")}`);
    }
    this.pairs = pairs;
    this.missing = missing;
  }

  async translate(text: string, source: string, target: string): Promise<string> {
    const route = APERTIUM_ROUTES[target];
    if (source !== "en" || !route || !this.pairs.some((p) => p.target === target)) {
      throw new Error(`Apertium cannot translate ${source}->${target} here; available: ${this.pairs.map((p) => `${p.source}->${p.target}`).join(", ")}`);
    }
    let current = text;
    for (const mode of route.modes) {
      if (!current.trim()) return "";
      current = await this.pipeline(mode).translate(current);
    }
    return current;
  }

  close(): void {
    for (const pipeline of this.pipelines.values()) pipeline.close();
    this.pipelines.clear();
  }

  private modeFile(mode: string): string {
    return `${this.modesDir}/${mode}.mode`;
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

interface Pending {
  resolve(text: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One pair's pipeline: requests are written one after another and answered in order, NUL by NUL. */
class ModePipeline {
  private process?: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private buffer = "";

  constructor(
    private readonly modeFile: string,
    private readonly timeoutMs: number,
  ) {}

  translate(text: string): Promise<string> {
    const input = escapeText(text);
    if (!input) return Promise.resolve("");
    const process = this.ensureProcess();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A pipeline that stops answering is restarted; every request waiting on it fails.
        this.fail(new Error(`Apertium (${this.modeFile}) did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      // The trailing space keeps sentence-final punctuation, which the last word would otherwise swallow.
      process.stdin.write(`${input} \0`);
    });
  }

  close(): void {
    this.fail(new Error("Apertium translator closed"));
  }

  private ensureProcess(): ChildProcessWithoutNullStreams {
    if (this.process && this.process.exitCode === null && !this.process.killed) return this.process;
    // `apertium-wblank-mode -z` rewrites the mode's shell pipeline so every stage flushes at each NUL.
    const child = spawn("bash", ["-c", `bash <(apertium-wblank-mode -z '${this.modeFile}') -n ''`], {
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so the whole pipeline (a dozen processes) can be stopped at once.
      detached: true,
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (data: string) => this.receive(data));
    child.stderr.on("data", () => undefined);
    child.on("error", (error) => this.fail(error));
    child.on("exit", (code) => {
      if (this.process === child) this.fail(new Error(`Apertium (${this.modeFile}) exited with ${code}`));
    });
    child.stdin.on("error", (error) => this.fail(error));
    this.process = child;
    this.buffer = "";
    return child;
  }

  private receive(data: string): void {
    this.buffer += data;
    let end: number;
    while ((end = this.buffer.indexOf("\0")) >= 0) {
      const answer = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      // Stages may pass on extra flushes; a request always has text, so empty answers are not ours.
      if (!answer.trim()) continue;
      const next = this.pending.shift();
      if (!next) continue;
      clearTimeout(next.timer);
      next.resolve(unescapeText(answer));
    }
  }

  private fail(error: Error): void {
    const child = this.process;
    this.process = undefined;
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const waiting of this.pending.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
