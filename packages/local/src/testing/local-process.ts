/** Runs local mode as its own process (as `pnpm start` does) for end-to-end tests and benchmarks. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scaledTimeout } from "@livetranslate/testing/calibration";

export interface LocalProcess {
  /** The local mode process's id. */
  pid: number;
  url: string;
  port: number;
  /** Where its data is kept (LIVETRANSLATE_DATA_DIR): give it to the next process to restart this one. */
  dataDir: string;
  wsUrl: string;
  /** Every structured JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  output: string[];
  stop(): Promise<void>;
  /** Kills the whole process at once (SIGKILL), as a power cut would; the data folder stays. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Starts local mode on a free port with a fresh data folder (removed when the process stops), unless `env`
 * names PORT and LIVETRANSLATE_DATA_DIR: a restart passes those of the process it replaces.
 */
export async function startLocalProcess(env: Record<string, string> = {}, baseTimeoutMs = 60_000, nodeArgs: string[] = []): Promise<LocalProcess> {
  const timeoutMs = scaledTimeout(baseTimeoutMs);
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const ownsData = !env.LIVETRANSLATE_DATA_DIR;
  const dataDir = env.LIVETRANSLATE_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "livetranslate-data-"));
  const localRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "src/main.ts"], {
    cwd: localRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env, PORT: String(port), LIVETRANSLATE_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  // Whole lines only: a pipe hands data over in pieces that can cut a log line in two.
  const collect = (line: string) => {
    if (!line.trim()) return;
    output.push(line);
    if (line.startsWith("{")) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  };
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream, crlfDelay: Infinity }).on("line", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`local mode exited with ${child.exitCode}:\n${output.join("\n")}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`local mode did not answer /health within ${timeoutMs} ms:\n${output.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    pid: child.pid!,
    url,
    port,
    dataDir,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    logs,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsData) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
