/**
 * A separate process holding listener connections, so the benchmark measures the server without the clients' own
 * memory and CPU (on a venue's server the listeners are other people's phones).
 * `tsx idle-listeners.ts <wsUrl> <sessionId> <languages, comma-separated: one per connection in turn> <count>`:
 * connects in groups of 50, prints one JSON line `{ connected, failed: { cause: count } }`, then holds the
 * connections until stdin closes, and prints a last JSON line `{ receipts: [[segmentId, language, receivedAt], ...] }`:
 * when each `translatedAudio` message reached its listener (epoch ms).
 */
import WebSocket from "ws";

const [wsUrl, sessionId, languagesText, countText] = process.argv.slice(2);
const count = Number(countText);
const languages = languagesText?.split(",").filter(Boolean) ?? [];
if (!wsUrl || !sessionId || languages.length === 0 || !Number.isInteger(count) || count <= 0) {
  console.error("usage: idle-listeners.ts <wsUrl> <sessionId> <languages> <count>");
  process.exit(2);
}

const sockets: WebSocket[] = [];
const failed: Record<string, number> = {};
const receipts: [string, string, number][] = [];
const open = (language: string) =>
  new Promise<void>((resolve) => {
    const socket = new WebSocket(`${wsUrl}?${new URLSearchParams({ role: "listener", sessionId, language })}`);
    const fail = (cause: string) => {
      failed[cause] = (failed[cause] ?? 0) + 1;
      resolve();
    };
    socket.once("open", () => {
      sockets.push(socket);
      resolve();
    });
    socket.on("message", (data) => {
      const at = Date.now();
      const message = JSON.parse(data.toString()) as { type: string; segmentId?: string; targetLanguage?: string };
      if (message.type === "translatedAudio") receipts.push([message.segmentId!, message.targetLanguage!, at]);
    });
    socket.once("unexpected-response", (_req, res) => fail(`HTTP ${res.statusCode}`));
    socket.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });

for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(languages[(i + j) % languages.length]!)));
console.log(JSON.stringify({ connected: sockets.length, failed }));
process.stdin.resume();
process.stdin.on("end", () => {
  for (const socket of sockets) socket.terminate();
  process.stdout.write(`${JSON.stringify({ receipts })}\n`, () => process.exit(0));
});
