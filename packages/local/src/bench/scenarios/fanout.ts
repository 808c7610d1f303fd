import { assembleTalk } from "@livetranslate/testing/fixtures";
import { FIXED_ENGINE_LANGUAGES, fixedLatencyEngines } from "../fixed-engines.ts";
import { harness } from "../harness.ts";
import { summarize } from "../stats.ts";
import { holdIdleListeners, IDLE_LISTENERS, type IdleCrowd } from "./idle-crowd.ts";
import { clipsFor, playTalk } from "./talk.ts";

export async function fanout(quick: boolean) {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const languages = quick ? FIXED_ENGINE_LANGUAGES.slice(0, 5) : FIXED_ENGINE_LANGUAGES;
  const listenerCount = quick ? 50 : 500;
  // The fan-out runs beside a crowd of idle connections, as on a venue's server.
  const crowd = await holdIdleListeners(h.local, quick ? 200 : IDLE_LISTENERS);
  try {
    // 16 clips give about 20 segments, so each language's p99 is not merely its worst of a handful.
    const talk = assembleTalk(clipsFor(quick ? 2 : 16), 1000);
    const speed = 2;
    // The measured listeners are in another process too: the server's fan-out is timed without their own work
    // (parsing 500 messages a segment) on its event loop, as in production, where listeners are other devices.
    let measured: IdleCrowd | undefined;
    await playTalk(h.local, talk, {
      targetLanguages: languages,
      listeners: [],
      speed,
      beforeTalk: async (sessionId) => {
        measured = await holdIdleListeners(h.local, listenerCount, sessionId, languages);
      },
    });
    const receipts = (await measured?.release()) ?? [];
    // From each (segment, language) audio stored to the last listener of that language notified.
    const deliveries: number[] = [];
    const byLanguage = new Map<string, number[]>();
    const rates: number[] = [];
    for (const { result } of h.segments) {
      const ofSegment = receipts.filter(([segmentId]) => segmentId === result.segmentId);
      for (const lang of result.languages) {
        if (!lang.storedAt) continue;
        const arrivals = ofSegment.filter(([, language]) => language === lang.language).map(([, , at]) => at);
        if (arrivals.length) {
          const delivery = Math.max(...arrivals) - lang.storedAt;
          deliveries.push(delivery);
          byLanguage.set(lang.language, [...(byLanguage.get(lang.language) ?? []), delivery]);
        }
      }
      const times = ofSegment.map(([, , at]) => at);
      const first = Math.min(...times);
      const last = Math.max(...times);
      if (times.length > 1 && last > first) rates.push(times.length / ((last - first) / 1000));
    }
    const d = summarize(deliveries, 0);
    const perLanguage = [...byLanguage].map(([language, values]) => ({ language, ...summarize(values, 0) }));
    return {
      engines: engines.label,
      idle_listeners_connected: crowd.connected,
      idle_listeners_failed: crowd.failed,
      listeners: listenerCount,
      languages: languages.length,
      listeners_per_language: listenerCount / languages.length,
      listeners_connected: measured?.connected ?? 0,
      failed_listeners: measured?.failed ?? {},
      playback_speed: speed,
      segments: h.segments.length,
      measured: "per (segment, language): audio object stored -> the last listener of that language has the translatedAudio message",
      stored_to_notified_p50_ms: d.p50,
      stored_to_notified_p99_ms: d.p99,
      worst_language_p99_ms: Math.max(...perLanguage.map((l) => l.p99)),
      per_language: perLanguage,
      goal: "stored -> all notified p99 <= 100 ms, per language",
      burst_audio_messages_per_s_p50: summarize(rates, 0).p50,
      burst_note: "translatedAudio messages of one segment (one per listener) over the time from the first to the last arrival: the rate of a burst, not a sustained capacity",
    };
  } finally {
    await crowd.release();
    await h.local.close();
  }
}
