/**
 * `pnpm capacity --sessions 100 --listeners 500 --languages 20 [--heard 5] [--join-seconds 120] [--json]
 * [--results FILE] [--broadcast-results FILE]`: the capacity plan of a venue (core's `domain/capacity`) from the
 * newest committed metered run (bench/results/*-capacity.json), written by `pnpm bench`, and bench/prices.json. A
 * metered run whose listeners took parts over the WebSocket has no fan-out counts of its own: those then come from
 * the newest fan-out by broadcast (bench/results/*-fanout-broadcast.json).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BroadcastRun, type CapacityPlan, capacityPlan, type MeteredRun, type Venue } from "@livetranslate/core/domain/capacity";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const USAGE =
  "usage: pnpm capacity --sessions N --listeners N --languages N [--heard N] [--join-seconds N] [--json] [--results FILE] [--broadcast-results FILE]";

/** The venue and options from the command line; a bad or missing value is named. */
export function parseArguments(argv: readonly string[]): { venue: Venue; json: boolean; results?: string; broadcastResults?: string } {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const raw = argv[at + 1];
    if (raw === undefined || raw.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return raw;
  };
  const known = new Set(["--sessions", "--listeners", "--languages", "--heard", "--join-seconds", "--json", "--results", "--broadcast-results"]);
  const unknown = argv.filter((a) => a.startsWith("--") && !known.has(a));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(", ")}\n${USAGE}`);
  const whole = (flag: string, required: boolean) => {
    const raw = value(flag);
    if (raw === undefined) {
      if (required) throw new Error(`${flag} is required\n${USAGE}`);
      return undefined;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a whole number above 0, not "${raw}"`);
    return n;
  };
  return {
    venue: {
      sessions: whole("--sessions", true)!,
      listeners: whole("--listeners", true)!,
      languages: whole("--languages", true)!,
      heard: whole("--heard", false),
      joinSeconds: whole("--join-seconds", false),
    },
    json: argv.includes("--json"),
    results: value("--results"),
    broadcastResults: value("--broadcast-results"),
  };
}

/** The newest committed results file of a benchmark scenario (`capacity`, `fanout-broadcast`). */
export function newestResults(scenario = "capacity", dir = path.join(repoRoot, "bench/results")): string {
  const files = readdirSync(dir).filter((f) => f.endsWith(`-${scenario}.json`)).sort();
  if (!files.length) throw new Error(`no ${scenario} run in ${dir} (run: pnpm bench --only ${scenario.replace("-", "_")})`);
  return path.join(dir, files.at(-1)!);
}

export function readMeteredRuns(file: string): MeteredRun[] {
  const data = JSON.parse(readFileSync(file, "utf8")) as { metered?: MeteredRun[] };
  if (!data.metered?.length) throw new Error(`${file} holds no metered runs ("metered": [...])`);
  return data.metered;
}

/** The fan-out by broadcast's runs of a results file, in the calculator's terms. */
export function readBroadcastRuns(file: string): BroadcastRun[] {
  type Written = {
    listeners: number;
    languages: number;
    listeners_per_language: number;
    calls_per_part?: { publishes: number };
    listeners_reached_per_part_and_language_p50: number;
  };
  const data = JSON.parse(readFileSync(file, "utf8")) as { fanout_broadcast?: { runs?: Written[] } };
  const runs = (data.fanout_broadcast?.runs ?? []).filter((r) => r.calls_per_part);
  if (!runs.length) throw new Error(`${file} holds no fan-out by broadcast runs with calls per part ("fanout_broadcast": { "runs": [...] })`);
  return runs.map((r) => ({
    listeners: r.listeners,
    languages: r.languages,
    listenersPerLanguage: r.listeners_per_language,
    publishesPerPart: r.calls_per_part!.publishes,
    listenersReachedPerPartAndLanguage: r.listeners_reached_per_part_and_language_p50,
  }));
}

/** What `--json` prints. */
export function planJson(plan: CapacityPlan) {
  return {
    venue: plan.venue,
    services: plan.services.map(({ name, rate, limit, unit, ratio }) => ({ name, rate, quota: limit, unit, ratio })),
    binding: plan.binding,
    lambdaConcurrency: plan.lambdaConcurrency,
    kinesisShards: plan.kinesisShards,
    costPerSessionHour: plan.cost.random?.total ?? plan.cost.sticky.total,
    costPerSessionHourByRouting: Object.fromEntries(Object.entries(plan.cost).map(([routing, c]) => [routing, c.total])),
    costItems: plan.cost,
  };
}

export function planTable(plan: CapacityPlan, source: string, broadcastSource?: string): string {
  const v = plan.venue;
  const lines = [
    `capacity plan: ${v.sessions} sessions x ${v.listeners} listeners x ${v.languages} languages (${v.heard} heard), listeners joining over ${v.joinSeconds} s`,
    `from ${source} (rates of its ${plan.routing}-routing run; Transcribe streams as the consumer service holds them, one process per session: the sticky run's)`,
    broadcastSource
      ? `and ${broadcastSource} (publishes and deliveries per part: every listener by broadcast), against AWS's default quotas (new account, one region)`
      : "(every listener by broadcast, as its listeners were), against AWS's default quotas (new account, one region)",
    "",
    `  ${"service".padEnd(72)} ${"needs".padStart(12)} ${"quota".padStart(10)}  ${"unit".padEnd(22)} ${"ratio".padStart(7)}`,
  ];
  for (const s of plan.services) {
    lines.push(`  ${s.name.padEnd(72)} ${String(s.rate).padStart(12)} ${String(s.limit).padStart(10)}  ${s.unit.padEnd(22)} ${`${s.ratio}x`.padStart(7)}${s.ratio > 1 ? "  binds" : ""}`);
  }
  lines.push("", `  Lambda concurrency  ${plan.lambdaConcurrency.total} (WebSocket, HTTP, authorizer and presence handlers, with listeners joining; the consumer is one service task)`);
  lines.push(`  Kinesis shards      ${plan.kinesisShards}`);
  lines.push("", plan.binding.length ? "  quotas to raise before this scale (request 25 % above the need):" : "  no default quota binds at this scale");
  for (const b of plan.binding) lines.push(`    ${b.name}: ${b.ratio}x the default; request ${b.request} ${b.unit} (${b.increase})`);
  lines.push("", "  cost per session-hour (bench/prices.json)");
  for (const [routing, c] of Object.entries(plan.cost)) {
    lines.push(`    ${routing.padEnd(7)} $${c.total}  ${Object.entries(c.items).map(([k, x]) => `${k} $${x}`).join(", ")}`);
  }
  return lines.join("\n");
}

function main() {
  const { venue, json, results, broadcastResults } = parseArguments(process.argv.slice(2));
  const file = results ? path.resolve(results) : newestResults("capacity");
  const runs = readMeteredRuns(file);
  const broadcastFile = broadcastResults || runs.some((r) => !r.broadcast) ? path.resolve(broadcastResults ?? newestResults("fanout-broadcast")) : undefined;
  const prices = (JSON.parse(readFileSync(path.join(repoRoot, "bench/prices.json"), "utf8")) as { prices: Record<string, number> }).prices;
  const plan = capacityPlan(runs, broadcastFile ? readBroadcastRuns(broadcastFile) : [], venue, prices);
  const usedBroadcastFile = plan.fanoutFrom === "fan-out by broadcast" ? broadcastFile : undefined;
  console.log(json ? JSON.stringify(planJson(plan), null, 2) : planTable(plan, path.relative(repoRoot, file), usedBroadcastFile && path.relative(repoRoot, usedBroadcastFile)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
