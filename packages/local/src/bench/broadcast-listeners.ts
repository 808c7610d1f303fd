/**
 * A separate process holding listeners by broadcast, so the fan-out is measured without the listeners' own work on
 * the server's CPU (they are other people's phones). Each joins over HTTP for a pass, connects to the broker over
 * MQTT/WebSocket and subscribes to its language, and renews its pass every heartbeat (spread over the interval), as
 * the listener app does. Joins start at a steady pace (`joinsPerSecond`), as an audience arrives, not all at once.
 * `tsx broadcast-listeners.ts <httpUrl> <sessionId> <languages, comma-separated: one per listener in turn> <count> <offset> <joinsPerSecond>`:
 * prints one JSON line `{ connected, failed: { cause: count } }`, holds the listeners until stdin closes, then prints
 * `{ receipts: [[segmentId, part, language, receivedAt], ...] }` for every part received, as its own `part` message
 * or carried by a later one (protocol's `messagesIn`).
 */
import { messagesIn, type ServerMessage } from "@livetranslate/core/protocol";
import mqtt, { type MqttClient } from "mqtt";

const [httpUrl, sessionId, languagesText, countText, offsetText, rateText] = process.argv.slice(2);
const count = Number(countText);
const offset = Number(offsetText ?? 0);
const joinsPerSecond = Number(rateText ?? 50);
const languages = languagesText?.split(",").filter(Boolean) ?? [];
if (!httpUrl || !sessionId || languages.length === 0 || !Number.isInteger(count) || count <= 0 || !(joinsPerSecond > 0)) {
  console.error("usage: broadcast-listeners.ts <httpUrl> <sessionId> <languages> <count> [offset] [joinsPerSecond > 0]");
  process.exit(2);
}

interface Pass {
  listenerId: string;
  token: string;
  heartbeatSeconds: number;
  broker: { url: string; clientId: string; topic: string };
}

const clients: MqttClient[] = [];
const timers: ReturnType<typeof setInterval>[] = [];
const failed: Record<string, number> = {};
const arrivals: [number, Buffer][] = [];
const fail = (cause: string) => void (failed[cause] = (failed[cause] ?? 0) + 1);

async function listen(language: string): Promise<void> {
  try {
    const response = await fetch(`${httpUrl}/sessions/${sessionId}/listeners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ language }),
    });
    if (response.status !== 201) return fail(`join HTTP ${response.status}`);
    const pass = (await response.json()) as Pass;
    const client = await mqtt.connectAsync(pass.broker.url, { clientId: pass.broker.clientId, username: "listener", password: pass.token, reconnectPeriod: 0, keepalive: 60 });
    // Only the time is taken on arrival; the messages are read once the talk is over. One process holds hundreds of
    // listeners and reads a burst of their messages one after another: work done per message here would show as
    // spread between the listeners of a language that no phone, reading only its own, would see.
    client.on("message", (_topic, payload) => arrivals.push([Date.now(), payload]));
    await client.subscribeAsync(pass.broker.topic, { qos: 1 });
    clients.push(client);
    const renew = () =>
      void fetch(`${httpUrl}/sessions/${sessionId}/listeners/${pass.listenerId}`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${pass.token}` },
        body: "{}",
      }).catch(() => undefined);
    const every = pass.heartbeatSeconds * 1000;
    const start = setTimeout(() => {
      renew();
      timers.push(setInterval(renew, every));
    }, Math.random() * every);
    timers.push(start as unknown as ReturnType<typeof setInterval>);
  } catch (error) {
    fail((error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}

/** Joins under way at most: a server slower than the pace is not sent an ever longer queue. */
const MAX_JOINING = 50;
const joining = new Set<Promise<void>>();
const started = Date.now();
for (let i = 0; i < count; i++) {
  const due = started + (i * 1000) / joinsPerSecond - Date.now();
  if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  while (joining.size >= MAX_JOINING) await Promise.race(joining);
  const join = listen(languages[(offset + i) % languages.length]!).finally(() => joining.delete(join));
  joining.add(join);
}
await Promise.all(joining);
console.log(JSON.stringify({ connected: clients.length, failed }));
process.stdin.resume();
process.stdin.on("end", () => {
  for (const timer of timers) clearInterval(timer);
  for (const client of clients) client.end(true);
  const receipts: [string, number, string, number][] = [];
  for (const [at, payload] of arrivals) {
    for (const message of messagesIn(JSON.parse(payload.toString()) as ServerMessage)) {
      if (message.type === "part") receipts.push([message.segmentId, message.part, message.targetLanguage, at]);
    }
  }
  process.stdout.write(`${JSON.stringify({ receipts })}\n`, () => process.exit(0));
});
