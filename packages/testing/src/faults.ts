/**
 * Fault injection for tests: makes chosen requests of real SDK clients fail the way AWS fails them (throttling,
 * 5xx, by error name and status) or go through late, beneath the SDK's retry loop, so the SDK's retries and ours both run for real.
 * Faults can be armed while the clients run; a fault counts its failures across every client it is installed on.
 */
import { addMiddleware, type MiddlewareClient } from "@livetranslate/core/adapters/aws/clients";

export interface Fault {
  /** The client's name, e.g. "S3Client"; any when absent. */
  service?: string;
  /** The command's name, e.g. "PutRecordCommand"; any when absent. */
  operation?: string;
  /** Which requests of that operation, by their input (e.g. one S3 key); all when absent. */
  input?: (input: Record<string, unknown>) => boolean;
  /** How many matching attempts fail (the SDK's retries count). */
  times: number;
  /** Matching attempts to let through first. */
  after?: number;
  /** The attempt fails with this error... */
  error?(): Error;
  /** ...or goes through this much later (a cold start holding one invocation back). */
  delayMs?: number;
}

/** An AWS service error as the SDK parses it. */
export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

export const throttled = (name = "ThrottlingException", status = 400) => () => awsError(name, status, "Rate exceeded");

interface Armed {
  fault: Fault;
  seen: number;
  failed: number;
}

export class FaultInjector {
  private armed: Armed[] = [];

  /** Arms a fault on every client this injector is installed on; returns how many attempts it failed so far. */
  arm(fault: Fault): { injected: () => number } {
    const entry: Armed = { fault, seen: 0, failed: 0 };
    this.armed.push(entry);
    return { injected: () => entry.failed };
  }

  clear(): void {
    this.armed = [];
  }

  install(client: MiddlewareClient): void {
    addMiddleware(
      client,
      (next, context) => async (args) => {
        for (const entry of this.armed) {
          const { fault } = entry;
          if (fault.service && fault.service !== context.clientName) continue;
          if (fault.operation && fault.operation !== context.commandName) continue;
          if (fault.input && !fault.input((args as { input?: Record<string, unknown> }).input ?? {})) continue;
          entry.seen++;
          if (entry.seen > (fault.after ?? 0) && entry.failed < fault.times) {
            entry.failed++;
            if (fault.error) throw fault.error();
            await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
          }
        }
        return next(args);
      },
      { step: "deserialize", priority: "low", name: "injectFaults" },
    );
  }
}

/** Adds fixed faults to one client. */
export function injectFaults(client: MiddlewareClient, faults: Fault[]): { injected: () => number } {
  const injector = new FaultInjector();
  const armed = faults.map((fault) => injector.arm(fault));
  injector.install(client);
  return { injected: () => armed.reduce((n, a) => n + a.injected(), 0) };
}
