/** Who is connected to a session, as the pipeline, notifications and the session view need it. */
import { Broadcast } from "../broadcast/index.ts";
import type { Db } from "../db/index.ts";

export interface Audience {
  speakers: string[];
  /** Listeners that take whole segments (protocol v1). */
  listenersByLanguage: Map<string, string[]>;
  /** Listeners that take segments in parts (the `parts=1` extension). */
  partListenersByLanguage: Map<string, string[]>;
  /** Listeners that take each part as one message (the `bundled=1` extension); they take parts only. */
  bundledListenersByLanguage?: Map<string, string[]>;
  /**
   * Listeners by broadcast present now, by language (listener ids, not connections: nothing is posted to them; a
   * part goes to their language's topic once). They take parts, one message each.
   */
  broadcastListenersByLanguage?: Map<string, string[]>;
}

export namespace Audience {
  /** Reads the session's connections and present broadcast listeners through the by-session index (every page). */
  export async function of(db: Db, sessionId: string, now = Date.now()): Promise<Audience> {
    const [{ data }, broadcastListenersByLanguage] = await Promise.all([
      db.entities.connection.query.bySession({ sessionId }).go({ pages: "all" }),
      Broadcast.present(db, sessionId, now),
    ]);
    return { ...from(data), broadcastListenersByLanguage };
  }

  /** The session's speaker connections alone (their records sort first in the by-session index). */
  export async function speakersOf(db: Db, sessionId: string): Promise<string[]> {
    const { data } = await db.entities.connection.query.bySession({ sessionId, role: "speaker" }).go({ pages: "all" });
    return data.map((c) => c.connectionId);
  }

  export function from(
    connections: readonly { connectionId: string; role: "speaker" | "listener"; language: string; parts?: boolean; bundled?: boolean }[],
  ): Audience {
    const speakers: string[] = [];
    const listenersByLanguage = new Map<string, string[]>();
    const partListenersByLanguage = new Map<string, string[]>();
    const bundledListenersByLanguage = new Map<string, string[]>();
    for (const c of connections) {
      if (c.role === "speaker") {
        speakers.push(c.connectionId);
      } else {
        const group = c.bundled ? bundledListenersByLanguage : c.parts ? partListenersByLanguage : listenersByLanguage;
        const ids = group.get(c.language) ?? [];
        ids.push(c.connectionId);
        group.set(c.language, ids);
      }
    }
    return { speakers, listenersByLanguage, partListenersByLanguage, bundledListenersByLanguage };
  }

  /**
   * Only the listeners that take segments in parts, as the audience of a segment's parts: those of three messages
   * per part as `listenersByLanguage`, those of one message per part as `bundledListenersByLanguage`.
   */
  export function ofParts(audience: Audience): Audience {
    return {
      speakers: [],
      listenersByLanguage: audience.partListenersByLanguage,
      partListenersByLanguage: new Map(),
      bundledListenersByLanguage: audience.bundledListenersByLanguage ?? new Map(),
      broadcastListenersByLanguage: audience.broadcastListenersByLanguage ?? new Map(),
    };
  }

  /** Somebody listens: a part for this audience reaches someone. */
  export function hasListeners(audience: Audience): boolean {
    return [...listenerGroups(audience), audience.broadcastListenersByLanguage ?? new Map<string, string[]>()].some((group) =>
      [...group.values()].some((ids) => ids.length > 0),
    );
  }

  function listenerGroups(audience: Audience): Map<string, string[]>[] {
    return [audience.listenersByLanguage, audience.partListenersByLanguage, audience.bundledListenersByLanguage ?? new Map<string, string[]>()];
  }

  /** Every connection of the session (broadcast listeners hold none here). */
  export function everyone(audience: Audience): string[] {
    return [...audience.speakers, ...listenerGroups(audience).flatMap((group) => [...group.values()].flat())];
  }
}
