/**
 * Idle listener connections held by another process (idle-listeners.ts), in a session of their own: the
 * memory scenario measures the server's cost per connection with them, and the fan-out scenario runs beside
 * them, as a venue's server carries people who joined and wait.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalMode } from "../server.ts";

export interface IdleCrowd {
  connected: number;
  failed: Record<string, number>;
  release(): Promise<void>;
}

export async function holdIdleListeners(local: LocalMode, count: number): Promise<IdleCrowd> {
  const response = await fetch(`${local.url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }),
  });
  const { sessionId } = (await response.json()) as { sessionId: string };
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "idle-listeners.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, local.wsUrl, sessionId, "es", String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const report = JSON.parse(line.toString()) as { connected: number; failed: Record<string, number> };
  return {
    ...report,
    async release() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}
