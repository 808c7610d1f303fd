/** What a session-hour costs, from everything a run shows AWS billing, at `bench/prices.json`'s prices. */
import { ASSUMPTIONS } from "./assumptions.ts";
import type { FanoutCounts } from "./fanout.ts";
import type { MeteredRun, Prices, Venue } from "./metered-run.ts";
import { perSession } from "./session-rates.ts";

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

function price(prices: Prices, name: string): number {
  const value = prices[name];
  if (value === undefined) throw new Error(`bench/prices.json has no "${name}"`);
  return value;
}

/** Dollars for one session-hour at the venue's shape, from one run: everything the run shows AWS billing. */
export function sessionHourCost(
  run: MeteredRun,
  fanout: FanoutCounts,
  venue: Required<Venue>,
  shards: number,
  prices: Prices,
): { items: Record<string, number>; total: number } {
  const s = perSession(run, fanout, venue.listeners, venue.heard);
  const hour = 3600;
  const p = (name: string) => price(prices, name);
  const invocations = s.handlerInvocations * hour + venue.listeners * (s.joinInvocations + s.leaveInvocations);
  const items: Record<string, number> = {
    // Billed per request in whole seconds, at least 15 each: the run's billed seconds include both.
    transcribe: ((s.recognizerBilledRatio * hour) / 60) * p("transcribe_streaming_per_minute"),
    translate: ((s.translatedChars * hour) / 1e6) * p("translate_per_million_chars"),
    polly_neural: ((s.synthesizedChars * hour) / 1e6) * p("polly_neural_per_million_chars"),
    // The stream's hours and shards are shared by the venue's sessions.
    kinesis:
      (p("kinesis_on_demand_per_stream_hour") + shards * p("kinesis_efo_per_consumer_shard_hour")) / venue.sessions +
      ((s.kinesisBytes * hour) / 1e9) * (p("kinesis_on_demand_per_gb_in") + p("kinesis_efo_per_gb_out")),
    // The speaker's connection only: listeners are on the broker.
    websocket:
      (((s.inboundMessages + s.posts) * hour) / 1e6) * p("apigw_websocket_per_million_messages") +
      (60 / 1e6) * p("apigw_websocket_per_million_connection_minutes"),
    // Each listener's join, heartbeats and leave.
    http_api: ((s.heartbeats * hour + s.joinsAndLeaves) / 1e6) * p("apigw_http_per_million_requests"),
    // Messages both ways (the consumer's publishes and each delivery), metered in 5 KB steps; connection minutes; the
    // presence rule, triggered with its one action by each listener's connected and disconnected events.
    iot_core:
      (((s.publishes + s.deliveries) * s.iotMeteredPerMessage * hour) / 1e6) * p("iot_core_per_million_messages") +
      ((venue.listeners * 60) / 1e6) * p("iot_core_per_million_connection_minutes") +
      ((venue.listeners * ASSUMPTIONS.presenceEventsPerListener) / 1e6) * (p("iot_core_rules_per_million_triggered") + p("iot_core_rules_per_million_actions")),
    lambda: (invocations / 1e6) * p("lambda_per_million_requests") + invocations * (ASSUMPTIONS.handlerMs / 1000) * ASSUMPTIONS.handlerGb * p("lambda_per_gb_second"),
    // The consumer service's task-hour, shared by the venue's sessions.
    consumer_task:
      (ASSUMPTIONS.consumerTask.vcpu * p("fargate_per_vcpu_hour") + ASSUMPTIONS.consumerTask.gb * p("fargate_per_gb_hour") + p("public_ipv4_per_hour")) / venue.sessions,
    dynamodb:
      ((s.writeUnits * hour + venue.listeners * (s.tableJoin.write + s.tableLeave.write)) / 1e6) * p("dynamodb_per_million_write_units") +
      ((s.readUnits * hour + venue.listeners * (s.tableJoin.read + s.tableLeave.read)) / 1e6) * p("dynamodb_per_million_read_units"),
    s3: ((s.s3Puts * hour) / 1000) * p("s3_put_per_thousand") + ((s.s3Gets * hour) / 1000) * p("s3_get_per_thousand") + ((s.mp3BytesOut * hour) / 1e9) * p("data_transfer_out_per_gb"),
  };
  const rounded = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, round(v, 3)]));
  return { items: rounded, total: round(Object.values(items).reduce((a, b) => a + b, 0)) };
}
