/**
 * A broadcast listener's presence, as the broker's lifecycle events tell it: the rules alone, over a record as read
 * (`Broadcast.observe` and `Broadcast.present` apply them to the table).
 *
 * The broker's events may come out of order and more than once (AWS IoT Core says so of its lifecycle events), so
 * each record keeps the event in effect (`presenceAt`, `presenceVersion`) and an event older than it changes
 * nothing. A disconnect that says the client was replaced by a newer connection of the same pass
 * (`DUPLICATE_CLIENTID`) is not the listener leaving.
 */
export namespace ListenerPresence {
  export const STATES = ["joined", "connected", "disconnected"] as const;
  export type State = (typeof STATES)[number];

  /** A listener that joined counts this long before its broker connection is seen (the app connects right after). */
  export const CONNECT_GRACE_MS = 60_000;

  /** The broker's event about one listener's connection, in the domain's words. */
  export interface Event {
    listenerId: string;
    connected: boolean;
    /** When the broker saw it (epoch ms, the broker's clock). */
    at: number;
    /** The broker's order of events of one client at the same millisecond, when it gives one. */
    version?: number;
    /** A disconnect because a newer connection of the same client id took over. */
    replaced?: boolean;
  }

  /** What a record holds of its presence (absent fields: a record from before presence was kept: joined). */
  export interface Record {
    presence?: State;
    presenceAt?: number;
    presenceVersion?: number;
    joinedAt: number;
  }

  /** What an event does to a record: nothing, or its new state and what happens to its place in the session. */
  export type Outcome =
    | { apply: false; why: "stale" | "replaced" }
    | { apply: true; state: "connected" | "disconnected"; place: "admit" | "release" | "keep" };

  export function stateOf(record: Pick<Record, "presence">): State {
    return record.presence ?? "joined";
  }

  /** Whether a listener in this state holds a place in the session's admission (and so in the speaker's counts). */
  export function holdsPlace(record: Pick<Record, "presence">): boolean {
    return stateOf(record) !== "disconnected";
  }

  /** Whether the listener counts as present now (its pass still valid is the caller's to check). */
  export function counts(record: Record, now: number): boolean {
    const state = stateOf(record);
    return state === "connected" || (state === "joined" && now < record.joinedAt + CONNECT_GRACE_MS);
  }

  /** A listener that joined and was never seen on the broker within the grace: its place goes. */
  export function neverConnected(record: Record, now: number): boolean {
    return stateOf(record) === "joined" && now >= record.joinedAt + CONNECT_GRACE_MS;
  }

  /**
   * The event against the one in effect: later by timestamp, then by version; at a full tie a disconnect wins (a
   * connection that lasted under a millisecond is gone), and a repeat of the event in effect changes nothing.
   */
  export function outcome(record: Record, event: Event): Outcome {
    if (!event.connected && event.replaced) return { apply: false, why: "replaced" };
    const state = stateOf(record);
    if (record.presenceAt !== undefined) {
      const order = event.at - record.presenceAt || (event.version ?? 0) - (record.presenceVersion ?? 0);
      const tieWon = order === 0 && !event.connected && state === "connected";
      if (order < 0 || (order === 0 && !tieWon)) return { apply: false, why: "stale" };
    }
    const next = event.connected ? "connected" : "disconnected";
    const held = holdsPlace(record);
    const place = event.connected ? (held ? "keep" : "admit") : held ? "release" : "keep";
    return { apply: true, state: next, place };
  }
}
