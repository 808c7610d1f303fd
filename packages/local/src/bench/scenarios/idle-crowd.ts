/**
 * Listener connections held by another process (idle-listeners.ts): the memory scenario measures the server's cost
 * per connection with them, and the fan-out scenario runs beside a crowd of them, as a venue's server carries people
 * who joined and wait, and has its measured listeners there too, so the server's fan-out is timed without the
 * listeners' own work on its CPU.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { LocalMode } from "../../server.ts";

/** Idle listener connections the server holds in the memory and fan-out scenarios. */
export const IDLE_LISTENERS = 5000;

export interface IdleCrowd {
  connected: number;
  failed: Record<string, number>;
  /** Closes the connections; resolves to when each `translatedAudio` reached a listener: [segmentId, language, at]. */
  release(): Promise<[string, string, number][]>;
}

/** `count` listeners in a session of their own (`es`), or in `sessionId`, one language of `languages` each in turn. */
export async function holdIdleListeners(local: Pick<LocalMode, "url" | "wsUrl">, count: number, sessionId?: string, languages = ["es"]): Promise<IdleCrowd> {
  if (!sessionId) {
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: languages }),
    });
    sessionId = ((await response.json()) as { sessionId: string }).sessionId;
  }
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "idle-listeners.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, local.wsUrl, sessionId, languages.join(","), String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const report = JSON.parse((await lines.next()).value as string) as { connected: number; failed: Record<string, number> };
  return {
    ...report,
    async release() {
      child.stdin!.end();
      const last = await lines.next();
      if (child.exitCode === null) await once(child, "exit");
      return last.done ? [] : (JSON.parse(last.value as string) as { receipts: [string, string, number][] }).receipts;
    },
  };
}
