import { fixedLatencyEngines } from "../fixed-engines.ts";
import { harness } from "../harness.ts";
import { holdIdleListeners, IDLE_LISTENERS } from "./idle-crowd.ts";

/**
 * Server memory per idle listener connection: a known number of extra connections held by another process
 * (so the clients' own memory is not counted), heap and RSS of this process after a full GC before and after.
 */
export async function memory(quick: boolean) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("the memory scenario needs node --expose-gc (pnpm bench passes it)");
  const h = await harness(fixedLatencyEngines());
  const count = quick ? 200 : IDLE_LISTENERS;
  try {
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 200));
      }
      return process.memoryUsage();
    };
    const before = await settle();
    const crowd = await holdIdleListeners(h.local, count);
    const after = await settle();
    await crowd.release();
    const perConnectionKb = (a: number, b: number) => Number(((b - a) / 1024 / Math.max(1, crowd.connected)).toFixed(1));
    return {
      idle_connections: count,
      connected: crowd.connected,
      failed: crowd.failed,
      heap_kb_per_connection: perConnectionKb(before.heapUsed, after.heapUsed),
      rss_kb_per_connection: perConnectionKb(before.rss, after.rss),
      goal_kb_per_connection: 50,
      measured: "this process (gateway, handlers, stand-ins) after a full GC, before and after the connections opened from another process",
    };
  } finally {
    await h.local.close();
  }
}
