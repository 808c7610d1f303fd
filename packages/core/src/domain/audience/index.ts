/** Who is connected to a session, as the pipeline, notifications and the session view need it. */
import type { Db } from "../db/index.ts";

export interface Audience {
  speakers: string[];
  /** Listeners that take whole segments (protocol v1). */
  listenersByLanguage: Map<string, string[]>;
  /** Listeners that take segments in parts (the `parts=1` extension). */
  partListenersByLanguage: Map<string, string[]>;
}

export namespace Audience {
  /** Reads the session's connections through the by-session index (every page). */
  export async function of(db: Db, sessionId: string): Promise<Audience> {
    const { data } = await db.entities.connection.query.bySession({ sessionId }).go({ pages: "all" });
    return from(data);
  }

  /** The session's speaker connections alone (their records sort first in the by-session index). */
  export async function speakersOf(db: Db, sessionId: string): Promise<string[]> {
    const { data } = await db.entities.connection.query.bySession({ sessionId, role: "speaker" }).go({ pages: "all" });
    return data.map((c) => c.connectionId);
  }

  export function from(connections: readonly { connectionId: string; role: "speaker" | "listener"; language: string; parts?: boolean }[]): Audience {
    const speakers: string[] = [];
    const listenersByLanguage = new Map<string, string[]>();
    const partListenersByLanguage = new Map<string, string[]>();
    for (const c of connections) {
      if (c.role === "speaker") {
        speakers.push(c.connectionId);
      } else {
        const group = c.parts ? partListenersByLanguage : listenersByLanguage;
        const ids = group.get(c.language) ?? [];
        ids.push(c.connectionId);
        group.set(c.language, ids);
      }
    }
    return { speakers, listenersByLanguage, partListenersByLanguage };
  }

  /** Only the listeners that take segments in parts, as the audience of a segment's parts. */
  export function ofParts(audience: Audience): Audience {
    return { speakers: [], listenersByLanguage: audience.partListenersByLanguage, partListenersByLanguage: new Map() };
  }

  /** Every connection of the session. */
  export function everyone(audience: Audience): string[] {
    return [...audience.speakers, ...[audience.listenersByLanguage, audience.partListenersByLanguage].flatMap((group) => [...group.values()].flat())];
  }
}
