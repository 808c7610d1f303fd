/** DynamoDB capacity units per second of a session's speech, from the run's table requests. */
import type { MeteredRun, MeteredTableRequests } from "./metered-run.ts";

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

/** Capacity units of one kind of table request: by each request's bytes, reads strongly consistent at full units. */
function tableUnits(command: string, e: MeteredTableRequests, bytes = e.requests ? e.bytes / e.requests : 0): { write: number; read: number } {
  if (WRITES.has(command)) return { write: e.requests * Math.max(1, Math.ceil(bytes / 1024)), read: 0 };
  if (!READS.has(command)) return { write: 0, read: 0 };
  const eventual = e.requests - e.consistent;
  return { write: 0, read: Math.max(1, Math.ceil(bytes / 4096)) * (e.consistent + eventual / 2) };
}

/** Capacity units of the requests in `table`, by kind of request, each request of `bytesOf` bytes. */
function unitsOf(table: Record<string, MeteredTableRequests>, bytesOf: (key: string, e: MeteredTableRequests) => number) {
  return Object.entries(table).map(([key, e]) => ({ key, e, ...tableUnits(key.split(" ")[0] ?? "", e, bytesOf(key, e)) }));
}

/**
 * Table capacity units of a session of `listeners` hearing `heard` languages, from the run's requests: per second,
 * claims and the parts a channel owes (read at each publish) grow with the parts voiced per language, queries of the session's connections with its WebSocket
 * connections and of its broadcast listeners (presence) with its listeners, the listeners' own records (their pass
 * renewals and the broker's checks of them) with listeners; the rest (checkpoints, each chunk's reads, part
 * decisions, the speaker's status reading the admission counts) with the speech. Per listener, once: the requests of
 * its join and of its leave. The admission's items (the session's counter, a place per listener) keep their size
 * whatever the audience, the counter's growing with the languages only: each is billed at its size in the run.
 */
export function tableRates(run: MeteredRun, listeners: number, heard: number) {
  const seconds = run.audioSeconds;
  const claimGroups = run.parts * run.languages + run.segments;
  const claimGroupsPerSecond = (heard * run.parts + run.segments) / seconds;
  const runConnections = (run.broadcast ? 0 : run.listeners) + 1;
  const connections = (run.broadcast ? 0 : listeners) + 1;
  const bytesOf = (key: string, e: MeteredTableRequests) => {
    const [command = "", entity = ""] = key.split(" ");
    const asRun = e.requests ? e.bytes / e.requests : 0;
    // A query reads every record of the session's: its size grows with them.
    if (command === "Query" && entity === "connection") return (asRun * connections) / runConnections;
    if (command === "Query" && entity === "broadcastlistener") return (asRun * listeners) / run.listeners;
    return asRun;
  };
  const once = (table: Record<string, MeteredTableRequests> | undefined) =>
    unitsOf(table ?? {}, bytesOf).reduce((sum, u) => ({ write: sum.write + u.write / run.listeners, read: sum.read + u.read / run.listeners }), { write: 0, read: 0 });
  const join = once(run.broadcast?.joinTable);
  const leave = once(run.broadcast?.leaveTable);
  const inPhases = [...unitsOf(run.broadcast?.joinTable ?? {}, bytesOf), ...unitsOf(run.broadcast?.leaveTable ?? {}, bytesOf)];
  const rates = { write: 0, read: 0, partitionRead: 0, join, leave };
  for (const { key, ...total } of unitsOf(run.requests.table, bytesOf)) {
    const [command = "", entity = ""] = key.split(" ");
    const phases = inPhases.filter((u) => u.key === key);
    const units = { write: total.write - phases.reduce((n, u) => n + u.write, 0), read: total.read - phases.reduce((n, u) => n + u.read, 0) };
    let perSecond = 1 / seconds;
    if (entity === "delivery") {
      perSecond = claimGroupsPerSecond / Math.max(1, claimGroups);
    } else if (entity === "carriedpart") {
      // Asked at every part's publish to each language heard (and kept or deleted only under the publish quota).
      perSecond = heard / (Math.max(1, run.languages) * seconds);
    } else if (command === "Query" && (entity === "connection" || entity === "broadcastlistener")) {
      rates.partitionRead += units.read * perSecond;
    } else if (run.broadcast && (entity === "broadcastlistener" || ((entity === "admission" || entity === "admissionplace") && WRITES.has(command)))) {
      perSecond = listeners / (run.listeners * run.broadcast.listenedSeconds);
    }
    rates.write += Math.max(0, units.write) * perSecond;
    rates.read += Math.max(0, units.read) * perSecond;
  }
  return rates;
}
