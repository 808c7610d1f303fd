import { assembleTalk, untranscribedClips } from "@livetranslate/testing/fixtures";
import { fixedLatencyEngines } from "../fixed-engines.ts";
import { harness } from "../harness.ts";
import { summarize } from "../stats.ts";
import { closeAll, playTalk } from "./talk.ts";

export async function drift(quick: boolean) {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const minutes = quick ? 2 : 20;
  const speed = 4;
  try {
    const clips: { file: string }[] = [];
    let talk = assembleTalk(clips, 1000);
    while (talk.pcm.length / 16_000 < minutes * 60) {
      clips.push(...untranscribedClips().map((file) => ({ file })));
      talk = assembleTalk(clips, 1000);
    }
    const run = await playTalk(h.local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], speed });
    await closeAll(run.listeners);
    const latencies = run.utterances.map((u) => u.audioMessage).filter((v): v is number => v !== undefined);
    const window = Math.max(1, Math.floor(latencies.length / 5));
    const first = summarize(latencies.slice(0, window));
    const last = summarize(latencies.slice(-window));
    return {
      engines: engines.label,
      audio_minutes: Number((talk.pcm.length / 16_000 / 60).toFixed(1)),
      speed,
      utterances: talk.utterances.length,
      delivered: latencies.length,
      first_window_p95_s: first.p95,
      last_window_p95_s: last.p95,
      ratio_last_to_first: Number((last.p95 / first.p95).toFixed(2)),
    };
  } finally {
    await h.local.close();
  }
}
