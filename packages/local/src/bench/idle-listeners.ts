/**
 * A separate process holding idle listener connections, so the benchmark measures the server's memory per
 * connection without the clients' own. `tsx idle-listeners.ts <wsUrl> <sessionId> <language> <count>`:
 * connects in groups of 50, prints one JSON line `{ connected, failed: { cause: count } }`, then holds the
 * connections until stdin closes.
 */
import WebSocket from "ws";

const [wsUrl, sessionId, language, countText] = process.argv.slice(2);
const count = Number(countText);
if (!wsUrl || !sessionId || !language || !Number.isInteger(count) || count <= 0) {
  console.error("usage: idle-listeners.ts <wsUrl> <sessionId> <language> <count>");
  process.exit(2);
}

const sockets: WebSocket[] = [];
const failed: Record<string, number> = {};
const open = () =>
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
    socket.once("unexpected-response", (_req, res) => fail(`HTTP ${res.statusCode}`));
    socket.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });

for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
console.log(JSON.stringify({ connected: sockets.length, failed }));
process.stdin.resume();
process.stdin.on("end", () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
