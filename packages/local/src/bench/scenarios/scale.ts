import { assembleTalk } from "@livetranslate/testing/fixtures";
import { FIXED_ENGINE_LANGUAGES, fixedLatencyEngines } from "../fixed-engines.ts";
import { harness } from "../harness.ts";
import { summarize } from "../stats.ts";
import { clipsFor, closeAll, failureCause, playTalk } from "./talk.ts";

export async function scale(sessions: number, listenersPerSession: number, budgetMs: number) {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const engineMs = 20 + 10 + 15;
  try {
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const talk = assembleTalk(clipsFor(2), 800);
    const sessionFailures: Record<string, number> = {};
    const started = Date.now();
    const runs = await Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        // Stagger session starts over a second, as people do not all start on the same 100 ms.
        await new Promise((r) => setTimeout(r, (i * 1000) / sessions));
        if (Date.now() - started > budgetMs) {
          sessionFailures["not started: time bound passed"] = (sessionFailures["not started: time bound passed"] ?? 0) + 1;
          return undefined;
        }
        const listeners = Array.from({ length: listenersPerSession }, (_, j) => FIXED_ENGINE_LANGUAGES[j % 5]!);
        return playTalk(h.local, talk, {
          targetLanguages: FIXED_ENGINE_LANGUAGES.slice(0, 5),
          listeners,
          connectDeadline: started + budgetMs / 2,
        }).catch((error: unknown) => {
          sessionFailures[failureCause(error)] = (sessionFailures[failureCause(error)] ?? 0) + 1;
          return undefined;
        });
      }),
    );
    const rssPeak = process.memoryUsage().rss;
    const cpu = process.cpuUsage(cpuBefore);
    const completed = runs.filter((r) => r !== undefined);
    const connected = completed.reduce((n, r) => n + r!.listeners.length, 0);
    const failedListeners: Record<string, number> = {};
    for (const run of completed) {
      for (const [cause, n] of Object.entries(run!.failedListeners)) failedListeners[cause] = (failedListeners[cause] ?? 0) + n;
    }
    await Promise.all(completed.map((r) => closeAll(r!.listeners)));
    const overheads = h.segments.map((s) => (s.result.times.notifiedAt ?? 0) - s.result.times.closedAt - engineMs).filter((v) => v > -engineMs);
    const o = summarize(overheads, 0);
    return {
      engines: engines.label,
      sessions_requested: sessions,
      sessions_completed: completed.length,
      listeners_requested: listenersPerSession,
      listeners_connected: connected,
      failed_sessions: sessionFailures,
      failed_listeners: failedListeners,
      segments: h.segments.length,
      overhead_p50_ms: o.p50,
      overhead_p99_ms: o.p99,
      cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      wall_seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
      rss_mb: Number((rssPeak / 2 ** 20).toFixed(0)),
      rss_growth_mb: Number(((rssPeak - rssBefore) / 2 ** 20).toFixed(0)),
    };
  } finally {
    await h.local.close();
  }
}
