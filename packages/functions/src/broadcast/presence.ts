/**
 * Listeners' presence from the broker's lifecycle events (an IoT topic rule on `$aws/events/presence/+/+`; local
 * mode's broker sends the same event): parses the event, asks core, answers what it did.
 */
import { IotLifecycleEvent, presenceEventOf } from "@livetranslate/core/adapters/aws/iot";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { describeIssues } from "@livetranslate/core/protocol";
import type { Adapters } from "../adapters.ts";

export type PresenceAnswer = { observed: Broadcast.Observed | "not_a_listener" } | { observed: "invalid"; error: string };

export function createBroadcastPresenceHandler({ db, limits, log }: Pick<Adapters, "db" | "limits" | "log">) {
  return async (event: unknown): Promise<PresenceAnswer> => {
    const parsed = IotLifecycleEvent.safeParse(event);
    if (!parsed.success) {
      // Not retried: the same event would fail the same way. Logged with what is wrong, nothing else is lost.
      const error = `not an IoT lifecycle event: ${describeIssues(parsed.error)}`;
      log({ level: "warn", event: "broadcast.presence_invalid", error });
      return { observed: "invalid", error };
    }
    const presence = presenceEventOf(parsed.data);
    // Every client of the account's broker has lifecycle events; only listeners' concern us.
    if (!presence) return { observed: "not_a_listener" };
    const observed = await Broadcast.observe(db, presence, limits);
    log({ level: "info", event: "broadcast.presence", listenerId: presence.listenerId, eventType: parsed.data.eventType, observed });
    return { observed };
  };
}
