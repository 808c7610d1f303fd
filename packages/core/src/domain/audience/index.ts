/** Who is connected to a session, as the pipeline, notifications and the session view need it. */
import type { ListenerCounts } from "../../browser/protocol/index.ts";
import type { Db } from "../db/index.ts";

export interface Audience {
  speakers: string[];
  listenersByLanguage: Map<string, string[]>;
}

export namespace Audience {
  /** Reads the session's connections through the by-session index (every page). */
  export async function of(db: Db, sessionId: string): Promise<Audience> {
    const { data } = await db.entities.connection.query.bySession({ sessionId }).go({ pages: "all" });
    return from(data);
  }

  export function from(connections: readonly { connectionId: string; role: "speaker" | "listener"; language: string }[]): Audience {
    const speakers: string[] = [];
    const listenersByLanguage = new Map<string, string[]>();
    for (const c of connections) {
      if (c.role === "speaker") {
        speakers.push(c.connectionId);
      } else {
        const ids = listenersByLanguage.get(c.language) ?? [];
        ids.push(c.connectionId);
        listenersByLanguage.set(c.language, ids);
      }
    }
    return { speakers, listenersByLanguage };
  }

  export function listenerCounts(audience: Audience): ListenerCounts {
    const counts: ListenerCounts = {};
    for (const [language, ids] of audience.listenersByLanguage) counts[language] = ids.length;
    return counts;
  }
}
