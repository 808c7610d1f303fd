/**
 * More speakers than the machine's engines can serve in real time, then one: does local mode say so, shed in the
 * stated order (interim transcripts, then translated speech, never captions), and recover? Real engines, sticky
 * routing as `pnpm start` runs. Several talks start together; all but one are short, so once they end the long one
 * runs alone and should catch up. Reported from what the speakers and the first listener of each session received.
 */
import { memoryLog } from "@livetranslate/core/log";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import { startLocal } from "../../server.ts";
import { clipsFor, closeAll, playTalk, type TalkResult } from "./talk.ts";

export async function overload(options: { speakers: number; shortClips: number; longClips: number }) {
  const log = memoryLog();
  const local = await startLocal({ port: 0, log, consumerEnvironments: 4, routing: "sticky" });
  let runs: TalkResult[];
  try {
    const talks = Array.from({ length: options.speakers }, (_, i) => assembleTalk(clipsFor(i === 0 ? options.longClips : options.shortClips, i), 1000));
    runs = await Promise.all(talks.map((talk) => playTalk(local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], endWaitMs: 600_000 })));
    await closeAll(runs.flatMap((r) => r.listeners));
  } finally {
    await local.close();
  }
  const [long] = runs;
  const shortTalkSeconds = Math.max(...runs.slice(1).map((r) => r.utterances.at(-1)?.endMs ?? 0)) / 1000;
  const statuses = long!.speakerStatuses.map((s) => ({ ...s, second: Number(((s.at - long!.startedAt) / 1000).toFixed(1)) }));
  const overloaded = statuses.filter((s) => s.overloaded);
  const captions = runs.flatMap((r) => r.utterances);
  const shedEvents = log.entries.filter((e) => e.event === "consumer.load");
  return {
    engines: "pocketsphinx + Apertium + eSpeak NG (local)",
    speakers: options.speakers,
    talks: `one of ${long!.utterances.length} sentences, ${options.speakers - 1} of ${runs[1]?.utterances.length ?? 0} (about ${shortTalkSeconds.toFixed(0)} s), started together, 2 listener languages each`,
    sentences: captions.length,
    captions_undelivered: captions.filter((u) => u.caption === undefined).length,
    translated_audio_undelivered: captions.filter((u) => u.audioMessage === undefined).length,
    long_talk: {
      first_overloaded_s: overloaded[0]?.second,
      last_overloaded_s: overloaded.at(-1)?.second,
      max_lag_ms: Math.max(0, ...statuses.map((s) => s.lagMs ?? 0)),
      shedding_seen: [...new Set(statuses.flatMap((s) => s.shedding ?? []))],
      recovered: statuses.length > 0 && !statuses.at(-1)!.overloaded,
      last_status: statuses.at(-1),
      caption_p50_last_quarter_s: median(long!.utterances.slice(-Math.max(1, Math.floor(long!.utterances.length / 4))).map((u) => u.caption)),
    },
    load_changes_logged: shedEvents.length,
    timeline: statuses.map(({ second, overloaded, lagMs, shedding }) => ({ second, overloaded, lagMs, shedding })),
  };
}

function median(values: (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2)) : undefined;
}
