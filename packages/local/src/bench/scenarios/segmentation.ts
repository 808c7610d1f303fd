import path from "node:path";
import { SileroVoiceActivity } from "@livetranslate/core/adapters/vad";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { Segmenter } from "@livetranslate/core/streaming/segmenter";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import { segmentTalk } from "@livetranslate/testing/sentence-splits";
import { summarize } from "../stats.ts";
import { clipsFor } from "./talk.ts";

/**
 * The segmenter alone on the fixture talk (20 sentences, 1 s apart, 100 ms chunks, no engines, so the same on
 * every machine): sentence splits per 100 sentences and the wait from the end of the voice (the last 10 ms frame
 * above -40 dBFS) to the chunk that closed the sentence's segment, in audio time, for the energy rule and Silero
 * VAD at their hangovers; and what the detector costs, in CPU time per second of speech (one speaker's share of
 * a core).
 */
export async function segmentation() {
  const talk = assembleTalk(clipsFor(20), 1000);
  const silero = new SileroVoiceActivity();
  await silero.ready();
  const configs: [string, VoiceActivityDetector | undefined, number][] = [
    ["energy 500 ms (today)", undefined, 500],
    ["energy 250 ms", undefined, 250],
    ["silero 250 ms", silero, 250],
    ["silero 300 ms", silero, 300],
    ["silero 400 ms (its default)", silero, 400],
  ];
  const rows = [];
  for (const [name, detector, hangover] of configs) {
    const cpu = process.cpuUsage();
    const result = await segmentTalk(talk, new Segmenter({ closeAfterSilenceMs: hangover }, undefined, undefined, detector));
    const used = process.cpuUsage(cpu);
    const waits = summarize(result.sentences.flatMap((s) => (s.waitMs === undefined ? [] : [s.waitMs])), 0);
    const cpuMsPerAudioSecond = (used.user + used.system) / 1000 / (talk.pcm.length / 16_000);
    rows.push({
      name,
      hangover_ms: hangover,
      sentence_splits_per_100: result.splitsPer100Sentences,
      split_sentences: result.sentences.filter((s) => s.segments > 1).map((s) => `${path.basename(s.file)} (${s.segments})`),
      wait_p50_ms: waits.p50,
      wait_p95_ms: waits.p95,
      segmenter_cpu_ms_per_audio_s: Number(cpuMsPerAudioSecond.toFixed(1)),
      core_share_percent: Number((cpuMsPerAudioSecond / 10).toFixed(2)),
    });
  }
  return {
    talk: `${talk.utterances.length} fixture sentences, 1 s apart, ${(talk.pcm.length / 16_000).toFixed(1)} s, 100 ms chunks`,
    wait_from: "end of voice (last 10 ms frame above -40 dBFS) to the chunk that closed the sentence's last segment, audio time",
    rows,
  };
}
