/**
 * How fast this machine is during a benchmark run: a fixed CPU loop and pocketsphinx's real-time factor on a
 * fixed clip (jfk.wav, 11 s, fed in 100 ms pieces as the pipeline does). Every results file carries it,
 * measured at the start and at the end of the same run.
 */
import path from "node:path";
import { PocketsphinxRecognizer } from "@livetranslate/core/adapters/engines";
import { measureCpuLoopMs } from "@livetranslate/testing/calibration";
import { chunksOf, fixturesDir, readWav } from "@livetranslate/testing/fixtures";

export async function calibration() {
  const recognizer = new PocketsphinxRecognizer({ poolSize: 1 });
  try {
    const pcm = readWav(path.join(fixturesDir(), "speech/en/jfk.wav"));
    const started = performance.now();
    const stream = recognizer.startStream("en");
    for (const chunk of chunksOf(pcm, 100)) await stream.write(chunk);
    await stream.endSegment();
    await stream.end();
    const rtf = (performance.now() - started) / 1000 / (pcm.length / 16_000);
    return { cpu_loop_ms: measureCpuLoopMs(), pocketsphinx_rtf: Number(rtf.toFixed(3)) };
  } finally {
    recognizer.close();
  }
}
