/**
 * `pnpm start`: local mode on http://localhost:8787 (PORT to change, HOST to listen elsewhere).
 * LIVETRANSLATE_CONSUMER_ENVIRONMENTS (default 4) and LIVETRANSLATE_CONSUMER_ROUTING (sticky | random, default
 * sticky: each session's batches stay in one warm environment, the lowest latency for a venue) set how the
 * consumer runs; LIVETRANSLATE_SEED seeds random routing. LIVETRANSLATE_VAD (energy | silero, default energy) picks
 * how the segmenter decides speech.
 */
import { startLocal } from "./server.ts";
import { voiceActivityFor, voiceActivitySetting } from "./voice-activity.ts";

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";

function consumerSettings() {
  const env = process.env;
  const environments = Number(env.LIVETRANSLATE_CONSUMER_ENVIRONMENTS ?? 4);
  if (!Number.isInteger(environments) || environments < 1 || environments > 64) {
    throw new Error(`LIVETRANSLATE_CONSUMER_ENVIRONMENTS must be a whole number from 1 to 64, not "${env.LIVETRANSLATE_CONSUMER_ENVIRONMENTS}"`);
  }
  const routing = env.LIVETRANSLATE_CONSUMER_ROUTING ?? "sticky";
  if (routing !== "sticky" && routing !== "random") {
    throw new Error(`LIVETRANSLATE_CONSUMER_ROUTING must be "sticky" or "random", not "${routing}"`);
  }
  const seed = Number(env.LIVETRANSLATE_SEED ?? 1);
  if (!Number.isInteger(seed)) throw new Error(`LIVETRANSLATE_SEED must be a whole number, not "${env.LIVETRANSLATE_SEED}"`);
  return { consumerEnvironments: environments, routing, seed } as const;
}

try {
  const consumer = consumerSettings();
  const vad = voiceActivitySetting(process.env.LIVETRANSLATE_VAD);
  const local = await startLocal({ port, host, ...consumer, voiceActivity: await voiceActivityFor(vad) });
  const languages = local.adapters.languages();
  console.log(
    [
      "",
      `livetranslate local mode is running`,
      ``,
      `  Speaker    open ${local.url}/speaker in a browser: create a session, allow the microphone, press Start.`,
      `  Listeners  scan the QR code or open the join link the speaker app shows (${local.url}/listen/<session code>),`,
      `             or type the session code at ${local.url}/listen/ ; pick a language, tap "Enable audio".`,
      ...(host === "127.0.0.1" || host === "localhost"
        ? [`             Phones and other machines: restart with HOST=0.0.0.0 and use this machine's address instead of ${host}.`]
        : []),
      ``,
      `  HTTP API   ${local.url}  (GET /health, GET /languages, POST /sessions, GET /sessions/{id}, POST /listener-reports)`,
      `  WebSocket  ${local.wsUrl}`,
      `  languages  source: ${languages.source.join(", ")}  targets: ${languages.target.join(", ")}`,
      `  consumer   ${consumer.consumerEnvironments} execution environments, ${consumer.routing} routing${consumer.routing === "random" ? ` (seed ${consumer.seed})` : ""}, ${vad === "silero" ? "Silero VAD" : "energy"} speech detection`,
      `  try it     curl -s -XPOST ${local.url}/sessions -H 'content-type: application/json' -d '{"sourceLanguage":"en","targetLanguages":["es","fr"]}'`,
      ``,
      `  Ctrl-C stops it.`,
      "",
    ].join("\n"),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping local mode...");
    await local.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
