/**
 * Fault injection for tests: makes chosen requests of a real SDK client fail the way AWS fails them (throttling,
 * 5xx, by error name and status), beneath the SDK's retry loop, so the SDK's retries and ours both run for real.
 */
import { addMiddleware, type MiddlewareClient } from "../aws/clients.ts";

export interface Fault {
  /** The command's name, e.g. "PutRecordCommand"; any when absent. */
  operation?: string;
  /** How many matching requests fail (each attempt counts). */
  times: number;
  /** Matching requests to let through first. */
  after?: number;
  error(): Error;
}

/** An AWS service error as the SDK parses it. */
export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

export const throttled = (name = "ThrottlingException", status = 400) => () => awsError(name, status, "Rate exceeded");

/** Adds faults to a client; returns how many were injected so far. */
export function injectFaults(client: MiddlewareClient, faults: Fault[]): { injected: () => number } {
  let injected = 0;
  const state = faults.map((fault) => ({ fault, seen: 0, failed: 0 }));
  addMiddleware(
    client,
    (next, context) => async (args) => {
      for (const s of state) {
        if (s.fault.operation && s.fault.operation !== context.commandName) continue;
        s.seen++;
        if (s.seen > (s.fault.after ?? 0) && s.failed < s.fault.times) {
          s.failed++;
          injected++;
          throw s.fault.error();
        }
      }
      return next(args);
    },
    { step: "deserialize", priority: "low", name: `injectFaults${Math.random().toString(36).slice(2)}` },
  );
  return { injected: () => injected };
}
