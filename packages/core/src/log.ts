/** Structured logging: one JSON object per line, which CloudWatch and local mode both read well. */
export type Log = (entry: { level: "debug" | "info" | "warn" | "error"; event: string } & Record<string, unknown>) => void;

export function jsonLog(minLevel: "debug" | "info" | "warn" | "error" = "info"): Log {
  const order = ["debug", "info", "warn", "error"];
  return (entry) => {
    if (order.indexOf(entry.level) < order.indexOf(minLevel)) return;
    const line = JSON.stringify({ time: new Date().toISOString(), ...entry });
    if (entry.level === "error" || entry.level === "warn") console.error(line);
    else console.log(line);
  };
}

/** Keeps entries in memory: for tests that assert on what was logged. */
export function memoryLog(): Log & { entries: Parameters<Log>[0][] } {
  const entries: Parameters<Log>[0][] = [];
  const log = ((entry) => void entries.push(entry)) as Log & { entries: Parameters<Log>[0][] };
  log.entries = entries;
  return log;
}
