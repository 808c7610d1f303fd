/**
 * The fan-out by broadcast: listeners in other processes listen by broadcast (MQTT to local mode's broker), as the
 * listener app does, and a talk is played to them in many languages. Per part, how many calls the consumer made
 * (publishes to the broker, posts to connections: the speaker's), and per (part, language) how long from the audio
 * stored to the last listener of that language having the part, and from its first listener to its last. Run at 500
 * and at 5 000 listeners. Measures, judges nothing.
 *
 * Each spread is taken twice: where the broker hands the part's message to each subscriber's socket (the fan-out
 * itself, what IoT Core does in AWS) and where each listener's process has it (which adds the listeners' own reading,
 * thousands of clients on the cores the broker and the pipeline use, where in AWS each is a phone of its own).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import type { LocalMode } from "../../server.ts";
import { FIXED_ENGINE_LANGUAGES, fixedLatencyEngines } from "../fixed-engines.ts";
import { harness } from "../harness.ts";
import { summarize } from "../stats.ts";
import { clipsFor, playTalk } from "./talk.ts";

/**
 * Listeners one process holds: each is an MQTT client with its own WebSocket (`FANOUT_LISTENERS_PER_PROCESS`). A
 * process reads its listeners' messages one after another, so the fewer it holds, the less of a burst's reading
 * shows as spread between listeners of one language, and the more processes share the machine's cores.
 */
const LISTENERS_PER_PROCESS = Number(process.env.FANOUT_LISTENERS_PER_PROCESS ?? 1000);

/**
 * Joins a second, all processes together (`FANOUT_JOINS_PER_SECOND`): an audience arriving at this pace, each join a
 * real HTTP join, a pass record and an admission in the local DynamoDB stand-in, then a broker connection whose
 * connect event is one more read and write there.
 */
const JOINS_PER_SECOND = Number(process.env.FANOUT_JOINS_PER_SECOND ?? 50);

interface BroadcastCrowd {
  connected: number;
  /** From the first join to the last listener subscribed. */
  joinedInSeconds: number;
  failed: Record<string, number>;
  /** Ends the listeners; resolves to when each part with audio reached one: [segmentId, part, language, at]. */
  release(): Promise<[string, number, string, number][]>;
}

/** `count` listeners by broadcast of `sessionId`, one language of `languages` each in turn, in processes of their own. */
async function holdBroadcastListeners(local: Pick<LocalMode, "url">, count: number, sessionId: string, languages: readonly string[]): Promise<BroadcastCrowd> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "../broadcast-listeners.ts");
  const processCount = Math.ceil(count / LISTENERS_PER_PROCESS);
  const started = Date.now();
  const processes = Array.from({ length: processCount }, (_, i) => {
    const share = Math.min(LISTENERS_PER_PROCESS, count - i * LISTENERS_PER_PROCESS);
    const rate = String(JOINS_PER_SECOND / processCount);
    const child = spawn(process.execPath, ["--import", "tsx", script, local.url, sessionId, languages.join(","), String(share), String(i * LISTENERS_PER_PROCESS), rate], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
  });
  const reports = await Promise.all(processes.map(async ({ lines }) => JSON.parse((await lines.next()).value as string) as { connected: number; failed: Record<string, number> }));
  const failed: Record<string, number> = {};
  for (const report of reports) for (const [cause, n] of Object.entries(report.failed)) failed[cause] = (failed[cause] ?? 0) + n;
  return {
    connected: reports.reduce((n, r) => n + r.connected, 0),
    joinedInSeconds: Math.round((Date.now() - started) / 100) / 10,
    failed,
    async release() {
      const all = await Promise.all(
        processes.map(async ({ child, lines }) => {
          child.stdin!.end();
          const last = await lines.next();
          if (child.exitCode === null) await once(child, "exit");
          return last.done ? [] : (JSON.parse(last.value as string) as { receipts: [string, number, string, number][] }).receipts;
        }),
      );
      return all.flat();
    },
  };
}

async function run(listenerCount: number, quick: boolean) {
  const { local, segments, counts } = await harness(fixedLatencyEngines());
  const languages = quick ? FIXED_ENGINE_LANGUAGES.slice(0, 5) : FIXED_ENGINE_LANGUAGES;
  let crowd: BroadcastCrowd | undefined;
  try {
    // 16 clips give about 20 segments and more parts, so each language's p99 is not merely its worst of a handful.
    const talk = assembleTalk(clipsFor(quick ? 2 : 16), 1000);
    const speed = 2;
    let posts = 0;
    let published = 0;
    // Per payload (one per part and language, shared by its subscribers): its first and last send, and how many.
    const sends = new Map<Buffer, { first: number; last: number; count: number }>();
    await playTalk(local, talk, {
      targetLanguages: languages,
      listeners: [],
      speed,
      beforeTalk: async (sessionId) => {
        local.broker.observeSends((payload, at) => {
          const seen = sends.get(payload);
          if (!seen) sends.set(payload, { first: at, last: at, count: 1 });
          else {
            seen.last = at;
            seen.count++;
          }
        });
        crowd = await holdBroadcastListeners(local, listenerCount, sessionId, languages);
        // From here on, every call is the talk's: joins and subscriptions are over.
        posts = counts.postToConnection;
        published = local.broker.published;
      },
    });
    const held = crowd as BroadcastCrowd | undefined;
    const receipts = (await held?.release()) ?? [];
    crowd = undefined;
    // The session's end is one publish per language (sessionEnded), not a part's.
    const partPublishes = local.broker.published - published - languages.length;
    const speakerPosts = counts.postToConnection - posts;
    const parts = segments.map((s) => s.result).filter((s) => s.part && s.sent);
    const byKey = new Map<string, number[]>();
    for (const [segmentId, part, language, at] of receipts) {
      const key = `${segmentId}#${part}#${language}`;
      append(byKey, key, at);
    }
    const sent = new Map<string, { first: number; last: number; count: number }>();
    for (const [payload, times] of sends) {
      const message = JSON.parse(payload.toString()) as { type: string; segmentId?: string; part?: number; targetLanguage?: string; audio?: unknown };
      if (message.type === "part" && message.audio) sent.set(`${message.segmentId}#${message.part}#${message.targetLanguage}`, times);
    }
    const storedToLast = new Map<string, number[]>();
    const storedToLastSend = new Map<string, number[]>();
    const sendSpread = new Map<string, number[]>();
    const perPartSends: number[] = [];
    const firstToLast = new Map<string, number[]>();
    const perPartListeners: number[] = [];
    for (const result of parts) {
      for (const lang of result.languages) {
        const key = `${result.segmentId}#${result.part!.index}#${lang.language}`;
        const times = sent.get(key);
        if (lang.storedAt && times) {
          perPartSends.push(times.count);
          append(storedToLastSend, lang.language, times.last - lang.storedAt);
          append(sendSpread, lang.language, times.last - times.first);
        }
        const arrivals = byKey.get(key);
        if (!lang.storedAt || !arrivals?.length) continue;
        perPartListeners.push(arrivals.length);
        append(storedToLast, lang.language, Math.max(...arrivals) - lang.storedAt);
        append(firstToLast, lang.language, Math.max(...arrivals) - Math.min(...arrivals));
      }
    }
    const all = (m: Map<string, number[]>) => [...m.values()].flat();
    const perLanguage = [...storedToLast].map(([language, values]) => {
      const spread = summarize(firstToLast.get(language) ?? [], 0);
      const stored = summarize(values, 0);
      const broker = summarize(sendSpread.get(language) ?? [], 0);
      return {
        language,
        stored_to_last_p50_ms: stored.p50,
        stored_to_last_p99_ms: stored.p99,
        first_to_last_p50_ms: spread.p50,
        first_to_last_p99_ms: spread.p99,
        broker_first_to_last_p50_ms: broker.p50,
        broker_first_to_last_p99_ms: broker.p99,
      };
    });
    const stored = summarize(all(storedToLast), 0);
    const spread = summarize(all(firstToLast), 0);
    const storedSend = summarize(all(storedToLastSend), 0);
    const brokerSpread = summarize(all(sendSpread), 0);
    return {
      listeners: listenerCount,
      listener_processes: Math.ceil(listenerCount / LISTENERS_PER_PROCESS),
      listeners_connected: held?.connected ?? 0,
      joins_per_second: JOINS_PER_SECOND,
      joined_in_s: held?.joinedInSeconds ?? 0,
      failed_listeners: held?.failed ?? {},
      languages: languages.length,
      listeners_per_language: listenerCount / languages.length,
      playback_speed: speed,
      parts: parts.length,
      calls_per_part: { publishes: round(partPublishes / Math.max(1, parts.length)), posts: round(speakerPosts / Math.max(1, parts.length)) },
      calls_note: "per part, averaged over the talk's parts: publishes to the broker (one per language with listeners; the end's sessionEnded excluded) and posts to connections (the speaker's captions, interims and status: no listener holds a connection)",
      listeners_reached_per_part_and_language_p50: summarize(perPartListeners, 0).p50,
      stored_to_last_listener_p50_ms: stored.p50,
      stored_to_last_listener_p99_ms: stored.p99,
      first_to_last_listener_p50_ms: spread.p50,
      first_to_last_listener_p99_ms: spread.p99,
      worst_language_first_to_last_p99_ms: Math.max(0, ...perLanguage.map((l) => l.first_to_last_p99_ms)),
      broker_note: "taken where the broker hands the part's message to each subscriber's socket (the fan-out, IoT Core's part in AWS); the listener figures above add the listener processes' reading on the same cores",
      broker_sends_per_part_and_language_p50: summarize(perPartSends, 0).p50,
      stored_to_broker_last_send_p50_ms: storedSend.p50,
      stored_to_broker_last_send_p99_ms: storedSend.p99,
      broker_first_to_last_send_p50_ms: brokerSpread.p50,
      broker_first_to_last_send_p99_ms: brokerSpread.p99,
      worst_language_broker_first_to_last_p99_ms: Math.max(0, ...perLanguage.map((l) => l.broker_first_to_last_p99_ms)),
      per_language: perLanguage,
    };
  } finally {
    await crowd?.release().catch(() => undefined);
    await local.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Adds `value` to the list kept under `key` (in place: thousands of arrivals per key). */
function append<K>(lists: Map<K, number[]>, key: K, value: number): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

/**
 * The scenario's results block: the same talk to 500 and to 5 000 listeners by broadcast (`FANOUT_BROADCAST_SIZES`,
 * comma-separated, to run other sizes). Each run's block is also written to stderr as soon as it is done.
 */
export async function fanoutBroadcast(options: { quick: boolean }) {
  const sizes = options.quick ? [50] : (process.env.FANOUT_BROADCAST_SIZES ?? "500,5000").split(",").map(Number);
  const runs = [];
  for (const size of sizes) {
    const result = await run(size, options.quick);
    process.stderr.write(`bench: fan-out by broadcast, ${size} listeners: ${JSON.stringify(result)}\n`);
    runs.push(result);
  }
  return {
    engines: fixedLatencyEngines().label,
    measured:
      "per (part, language): the part's audio stored -> its last listener has the part message, and its first listener -> its last; the same where the broker hands the message to each subscriber's socket (broker_*)",
    goal: "calls per part <= languages (+ the speaker's posts); every listener of a language within 100 ms of the first",
    runs,
  };
}
