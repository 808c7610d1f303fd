import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestCounts } from "../../metering.ts";

const PRICES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../../bench/prices.json");

/** What one measured session used (the latency run's), to be priced per hour. */
export interface SessionUsage {
  audioSeconds: number;
  counts: RequestCounts;
  segments: number;
  sourceChars: number;
  translatedChars: number;
  languages: number;
  listeners: number;
  recognizerBilledSeconds: number;
  checkpointWriteUnits: number;
  /** Polly's MP3 at 48 kbit/s for the same speech (local mode stores WAV, 7x larger). */
  mp3BytesPerSegment: number;
}

/** AWS requests per session-hour, from the latency run's counts, and priced, for that run and for 500 listeners x 5 languages. */
export function cost(usage: SessionUsage) {
  const table = JSON.parse(readFileSync(PRICES, "utf8")) as { date: string; written_from: string; prices: Record<string, number> };
  const p = table.prices;
  const perHour = 3600 / usage.audioSeconds;
  const segmentsPerHour = usage.segments * perHour;
  const sourceCharsPerHour = usage.sourceChars * perHour;
  const translatedCharsPerLanguage = (usage.translatedChars / usage.languages) * perHour;
  const project = (listeners: number, languages: number) => {
    const kinesisPuts = usage.counts.kinesisPuts * perHour;
    // Per segment: a transcript to the speaker and every listener, a translation and an audio message per listener.
    const posts = segmentsPerHour * (1 + 3 * listeners) + (usage.counts.postToConnection * perHour - segmentsPerHour * (1 + 3 * usage.listeners));
    const s3Puts = segmentsPerHour * languages;
    const s3Gets = segmentsPerHour * listeners;
    const translateChars = sourceCharsPerHour * languages;
    const pollyChars = translatedCharsPerLanguage * languages;
    const gbOut = (s3Gets * usage.mp3BytesPerSegment) / 1e9;
    // Transcribe bills each streaming request in whole seconds, at least 15: counted per request made.
    const transcribeMinutes = (usage.recognizerBilledSeconds * perHour) / 60;
    const checkpointWriteUnits = usage.checkpointWriteUnits * perHour;
    const dollars = {
      transcribe: transcribeMinutes * p.transcribe_streaming_per_minute!,
      dynamodb_checkpoint: (checkpointWriteUnits / 1e6) * p.dynamodb_per_million_write_units!,
      translate: (translateChars / 1e6) * p.translate_per_million_chars!,
      polly_neural: (pollyChars / 1e6) * p.polly_neural_per_million_chars!,
      kinesis: p.kinesis_on_demand_per_stream_hour! + ((kinesisPuts * 4.5e3) / 1e9) * p.kinesis_on_demand_per_gb_in!,
      websocket: ((kinesisPuts + posts) / 1e6) * p.apigw_websocket_per_million_messages! + ((listeners + 1) * 60 / 1e6) * p.apigw_websocket_per_million_connection_minutes!,
      s3: (s3Puts / 1000) * p.s3_put_per_thousand! + (s3Gets / 1000) * p.s3_get_per_thousand! + gbOut * p.data_transfer_out_per_gb!,
    };
    const round = (v: number) => Math.round(v);
    return {
      listeners,
      languages,
      requests: {
        kinesis_puts: round(kinesisPuts),
        post_to_connection: round(posts),
        s3_put: round(s3Puts),
        s3_get: round(s3Gets),
        transcribe_billed_minutes: round(transcribeMinutes),
        checkpoint_write_units: round(checkpointWriteUnits),
        translate_chars: round(translateChars),
        polly_chars: round(pollyChars),
      },
      dollars: Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, Number(v.toFixed(3))])),
      total_dollars: Number(Object.values(dollars).reduce((a, b) => a + b, 0).toFixed(2)),
    };
  };
  return { prices: { date: table.date, written_from: table.written_from }, measured: project(usage.listeners, usage.languages), projection_500x5: project(500, 5) };
}
