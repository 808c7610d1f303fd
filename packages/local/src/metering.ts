/**
 * Counts the AWS requests local mode makes (they are the same requests production makes), so the benchmark can
 * project a session-hour's AWS bill from a run, and the capacity plan the rates a venue needs.
 */
import { addMiddleware, type MiddlewareClient } from "@livetranslate/core/adapters/aws/clients";
import { whileOpen } from "@livetranslate/core/adapters/quota";
import type { Engines } from "@livetranslate/core/domain/languages";
import type { AudioIngest, AudioStore, BroadcastPublisher, ConnectionNotifier } from "@livetranslate/core/ports";
import type { Hono } from "hono";
import { routePath } from "hono/route";

/** One kind of table request on one kind of item ("Query connection", "PutItem delivery"). */
export interface TableRequests {
  requests: number;
  /** Items read or written, and their size as stored (attribute names and values), for capacity units. */
  items: number;
  bytes: number;
  /** Requests that read strongly consistent (twice the read units). */
  consistent: number;
}

export interface RequestCounts {
  kinesisPuts: number;
  /** The records' size as put (JSON). */
  kinesisBytes: number;
  postToConnection: number;
  s3Puts: number;
  presigns: number;
  /** Posts by message type, a part's apart (`translation#part`). */
  posts: Record<string, number>;
  translations: number;
  translatedChars: number;
  /** SynthesizeSpeech requests and characters, and those asked for the standard voice. */
  syntheses: number;
  synthesizedChars: number;
  synthesesStandard: number;
  /** Recognizer streams open now, and the most open at once (Transcribe's concurrent streams). */
  recognizerOpen: number;
  recognizerMaxOpen: number;
  /** Table requests by `<command> <entity>`. */
  table: Record<string, TableRequests>;
  /** Publishes to the broker by message type, with their payloads' bytes as published (all, and the largest). */
  publishes: Record<string, { count: number; bytes: number; largestBytes: number }>;
  /** HTTP API requests by route (`PUT /sessions/:sessionId/listeners/:listenerId`). */
  httpRequests: Record<string, number>;
}

export function newRequestCounts(): RequestCounts {
  return {
    kinesisPuts: 0,
    kinesisBytes: 0,
    postToConnection: 0,
    s3Puts: 0,
    presigns: 0,
    posts: {},
    translations: 0,
    translatedChars: 0,
    syntheses: 0,
    synthesizedChars: 0,
    synthesesStandard: 0,
    recognizerOpen: 0,
    recognizerMaxOpen: 0,
    table: {},
    publishes: {},
    httpRequests: {},
  };
}

export function countIngest(ingest: AudioIngest, counts: RequestCounts): AudioIngest {
  return {
    put: (record) => {
      counts.kinesisPuts++;
      counts.kinesisBytes += Buffer.byteLength(JSON.stringify(record));
      return ingest.put(record);
    },
  };
}

export function countNotifier(notifier: ConnectionNotifier, counts: RequestCounts): ConnectionNotifier {
  return {
    post: (connectionId, message) => {
      counts.postToConnection++;
      const kind = `${message.type}${"part" in message && message.part !== undefined ? "#part" : ""}`;
      counts.posts[kind] = (counts.posts[kind] ?? 0) + 1;
      return notifier.post(connectionId, message);
    },
    disconnect: (connectionId) => notifier.disconnect(connectionId),
  };
}

/** Counts the publishes that reached the broker (a throttled one did not) and their payloads' size, as IoT Core meters them. */
export function countPublisher(publisher: BroadcastPublisher, counts: RequestCounts): BroadcastPublisher {
  return {
    publish: async (channel, message) => {
      await publisher.publish(channel, message);
      const bytes = Buffer.byteLength(JSON.stringify(message));
      const entry = (counts.publishes[message.type] ??= { count: 0, bytes: 0, largestBytes: 0 });
      entry.count++;
      entry.bytes += bytes;
      entry.largestBytes = Math.max(entry.largestBytes, bytes);
    },
  };
}

/** Counts the HTTP API's requests under `prefix` by the route that answered them. */
export function countHttpRequests(app: Hono, prefix: string, counts: RequestCounts): void {
  app.use(`${prefix}/*`, async (c, next) => {
    await next();
    const key = `${c.req.method} ${routePath(c, -1)}`;
    counts.httpRequests[key] = (counts.httpRequests[key] ?? 0) + 1;
  });
}

export function countAudioStore(store: AudioStore, counts: RequestCounts): AudioStore {
  return {
    put: (key, data, contentType) => {
      counts.s3Puts++;
      return store.put(key, data, contentType);
    },
    presignedUrl: (key, expires) => {
      counts.presigns++;
      return store.presignedUrl(key, expires);
    },
  };
}

/** Counts TranslateText and SynthesizeSpeech requests and their billed characters, and recognizer streams open at once. */
export function countEngines(engines: Engines, counts: RequestCounts): Engines {
  return {
    recognizer: {
      languages: engines.recognizer.languages,
      startStream(language) {
        const stream = engines.recognizer.startStream(language);
        counts.recognizerMaxOpen = Math.max(counts.recognizerMaxOpen, ++counts.recognizerOpen);
        return whileOpen(stream, () => counts.recognizerOpen--);
      },
    },
    translator: {
      pairs: engines.translator.pairs,
      translate: (text, source, target) => {
        counts.translations++;
        counts.translatedChars += text.length;
        return engines.translator.translate(text, source, target);
      },
    },
    synthesizer: {
      languages: engines.synthesizer.languages,
      synthesize: (text, language, options) => {
        counts.syntheses++;
        counts.synthesizedChars += text.length;
        if (options?.engine === "standard") counts.synthesesStandard++;
        return engines.synthesizer.synthesize(text, language, options);
      },
    },
  };
}

/** ElectroDB's sort keys name the entity (`$delivery_1#...`). */
function entityOf(input: unknown): string {
  const found = /"\$([a-z]+)_\d+/i.exec(JSON.stringify(input ?? {}));
  return found ? found[1]!.toLowerCase() : "other";
}

/** DynamoDB's item size, closely enough for capacity units: attribute names and values as stored. */
function itemBytes(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(value)) - 6;
  return Math.max(1, bytes);
}

/** The table requests made since `before` (a copy of `counts.table` taken then). */
export function tableRequestsSince(before: Record<string, TableRequests>, counts: RequestCounts): Record<string, TableRequests> {
  const since: Record<string, TableRequests> = {};
  for (const [key, now] of Object.entries(counts.table)) {
    const then = before[key] ?? { requests: 0, items: 0, bytes: 0, consistent: 0 };
    if (now.requests === then.requests) continue;
    since[key] = { requests: now.requests - then.requests, items: now.items - then.items, bytes: now.bytes - then.bytes, consistent: now.consistent - then.consistent };
  }
  return since;
}

/** Counts a DynamoDB client's requests by command and entity, with the items and bytes they read or wrote. */
export function countTableRequests(client: MiddlewareClient, counts: RequestCounts): void {
  addMiddleware(
    client,
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.clientName !== "DynamoDBClient") return result;
      const input = (args as { input?: Record<string, unknown> }).input ?? {};
      const output = (result as { output?: Record<string, unknown> }).output ?? {};
      const key = `${context.commandName?.replace(/Command$/, "")} ${entityOf(input.Key ?? input.Item ?? input.ExpressionAttributeValues)}`;
      const entry = (counts.table[key] ??= { requests: 0, items: 0, bytes: 0, consistent: 0 });
      entry.requests++;
      if (input.ConsistentRead) entry.consistent++;
      const items = (output.Items as Record<string, unknown>[] | undefined) ?? (output.Item ? [output.Item as Record<string, unknown>] : input.Item ? [input.Item as Record<string, unknown>] : []);
      entry.items += items.length;
      entry.bytes += items.reduce((n, item) => n + itemBytes(item), 0);
      return result;
    },
    { step: "initialize", name: "countTableRequests" },
  );
}
