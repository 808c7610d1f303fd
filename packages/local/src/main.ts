/** `pnpm start`: local mode on http://localhost:8787 (PORT to change, HOST to listen elsewhere). */
import { startLocal } from "./server.ts";

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";

try {
  const local = await startLocal({ port, host });
  const languages = local.adapters.languages();
  console.log(
    [
      "",
      `livetranslate local mode is running`,
      `  HTTP API   ${local.url}  (GET /health, GET /languages, POST /sessions, GET /sessions/{id}, POST /listener-reports)`,
      `  WebSocket  ${local.wsUrl}`,
      `  languages  source: ${languages.source.join(", ")}  targets: ${languages.target.join(", ")}`,
      `  try it     curl -s -XPOST ${local.url}/sessions -H 'content-type: application/json' -d '{"sourceLanguage":"en","targetLanguages":["es","fr"]}'`,
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
