import { FINAL_PASS_ARGS, PocketsphinxRecognizer, SEARCH_ARGS } from "@livetranslate/core/adapters/engines";
import { englishClips, readWav } from "@livetranslate/testing/fixtures";
import { summarize, weightedWordErrorRate } from "../stats.ts";

/**
 * The recognizer alone on the transcribed fixture clips, in 100 ms pieces as the consumer feeds it (deterministic:
 * the same words on every machine), with today's final-pass settings and with pocketsphinx's defaults: word error
 * rate, and how long the final pass takes once a clip's last audio is in, which a caption waits for after the pause.
 */
export async function recognizer(quick: boolean) {
  const clips = englishClips().slice(0, quick ? 2 : undefined);
  const rows = [];
  const settings = [
    ["today", SEARCH_ARGS],
    ["final pass settings only (first pass as pocketsphinx's defaults)", FINAL_PASS_ARGS],
    ["pocketsphinx's defaults", []],
  ] as const;
  for (const [name, searchArgs] of settings) {
    const engine = new PocketsphinxRecognizer({ searchArgs });
    const finals: number[] = [];
    const texts: { reference: string; heard: string }[] = [];
    const cpu = process.cpuUsage();
    try {
      for (const clip of clips) {
        const pcm = readWav(clip.file);
        const stream = engine.startStream("en");
        for (let i = 0; i < pcm.length; i += 1600) await stream.write(pcm.subarray(i, i + 1600));
        const started = performance.now();
        const text = await stream.endSegment();
        finals.push(performance.now() - started);
        await stream.end();
        texts.push({ reference: clip.text, heard: text });
      }
    } finally {
      engine.close();
    }
    const used = process.cpuUsage(cpu);
    const f = summarize(finals, 0);
    const wer = weightedWordErrorRate(texts)!;
    rows.push({
      name,
      search_args: searchArgs.join(" ") || "(none)",
      word_error_rate_percent: wer.percent,
      words: wer.words,
      final_pass_p50_ms: f.p50,
      final_pass_max_ms: f.max,
      cpu_seconds: Number(((used.user + used.system) / 1e6).toFixed(1)),
    });
  }
  return { clips: clips.length, fed: "100 ms pieces; the final pass timed from endSegment to its text", rows };
}
