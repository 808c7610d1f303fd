import { describe, expect, it } from "vitest";
import { ListenerPresence } from "./presence.ts";

describe("ListenerPresence", () => {
  const T0 = 1_800_000_000_000;
  const joined: ListenerPresence.Record = { presence: "joined", joinedAt: T0 };
  const connectedAt = (at: number, version?: number): ListenerPresence.Record => ({ presence: "connected", presenceAt: at, presenceVersion: version, joinedAt: T0 });
  const event = (connected: boolean, at: number, extra: Partial<ListenerPresence.Event> = {}): ListenerPresence.Event => ({ listenerId: "l1", connected, at, ...extra });

  it("counts a joined listener for the grace, a connected one always, a disconnected one never", () => {
    expect(ListenerPresence.counts(joined, T0 + ListenerPresence.CONNECT_GRACE_MS - 1)).toBe(true);
    expect(ListenerPresence.counts(joined, T0 + ListenerPresence.CONNECT_GRACE_MS)).toBe(false);
    expect(ListenerPresence.neverConnected(joined, T0 + ListenerPresence.CONNECT_GRACE_MS)).toBe(true);
    expect(ListenerPresence.counts(connectedAt(T0 + 1), T0 + 10 * ListenerPresence.CONNECT_GRACE_MS)).toBe(true);
    expect(ListenerPresence.counts({ presence: "disconnected", presenceAt: T0 + 1, joinedAt: T0 }, T0 + 2)).toBe(false);
    // A record from before presence was kept reads as joined.
    expect(ListenerPresence.counts({ joinedAt: T0 }, T0 + 1)).toBe(true);
  });

  it("applies a newer event and keeps, takes or releases the place by the change", () => {
    expect(ListenerPresence.outcome(joined, event(true, T0 + 5))).toEqual({ apply: true, state: "connected", place: "keep" });
    expect(ListenerPresence.outcome(joined, event(false, T0 + 5))).toEqual({ apply: true, state: "disconnected", place: "release" });
    expect(ListenerPresence.outcome(connectedAt(T0 + 5), event(false, T0 + 6))).toEqual({ apply: true, state: "disconnected", place: "release" });
    const gone: ListenerPresence.Record = { presence: "disconnected", presenceAt: T0 + 6, joinedAt: T0 };
    expect(ListenerPresence.outcome(gone, event(true, T0 + 7))).toEqual({ apply: true, state: "connected", place: "admit" });
    // Released for never connecting (no event in effect): any connect admits it again.
    expect(ListenerPresence.outcome({ presence: "disconnected", joinedAt: T0 }, event(true, T0 - 1))).toEqual({ apply: true, state: "connected", place: "admit" });
  });

  it("ignores an older or repeated event, and a disconnect by a newer connection of the same client", () => {
    expect(ListenerPresence.outcome(connectedAt(T0 + 5), event(true, T0 + 5))).toEqual({ apply: false, why: "stale" });
    expect(ListenerPresence.outcome(connectedAt(T0 + 5), event(false, T0 + 4))).toEqual({ apply: false, why: "stale" });
    expect(ListenerPresence.outcome(connectedAt(T0 + 5), event(false, T0 + 9, { replaced: true }))).toEqual({ apply: false, why: "replaced" });
    // The same millisecond: the version orders them, and at a full tie a disconnect wins over a connect.
    expect(ListenerPresence.outcome(connectedAt(T0 + 5, 3), event(false, T0 + 5, { version: 2 }))).toEqual({ apply: false, why: "stale" });
    expect(ListenerPresence.outcome(connectedAt(T0 + 5, 3), event(true, T0 + 5, { version: 4 }))).toMatchObject({ apply: true, state: "connected" });
    expect(ListenerPresence.outcome(connectedAt(T0 + 5), event(false, T0 + 5))).toMatchObject({ apply: true, state: "disconnected" });
    const gone: ListenerPresence.Record = { presence: "disconnected", presenceAt: T0 + 5, joinedAt: T0 };
    expect(ListenerPresence.outcome(gone, event(true, T0 + 5))).toEqual({ apply: false, why: "stale" });
    expect(ListenerPresence.outcome(gone, event(false, T0 + 5))).toEqual({ apply: false, why: "stale" });
  });
});
