/** Sessions: one speaker, a source language, the target languages listeners may pick. */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { adjectives, nouns } from "human-id";
import { nanoid } from "nanoid";
import type { Db } from "../db/index.ts";
import { expiresAt } from "../db/index.ts";
import { VisibleError } from "../../error.ts";
import type {
  CreateSessionRequest,
  CreateSessionResponse,
  LanguagesResponse,
  ListenerCounts,
  SessionView,
} from "../../browser/protocol/index.ts";
import { audienceOf, listenerCounts, listSessionConnections } from "../connection/index.ts";

export interface SessionRecord {
  sessionId: string;
  speakerTokenHash: string;
  sourceLanguage: string;
  targetLanguages: string[];
  status: "active" | "ended";
  createdAt: number;
  endedAt?: number;
}

/** `joyful-hope-911`: easy to read aloud and type on a phone. */
export function newSessionId(): string {
  const pick = (words: string[]) => words[randomInt(words.length)]!.toLowerCase();
  return `${pick(adjectives)}-${pick(nouns)}-${randomInt(100, 1000)}`;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isSpeakerToken(session: SessionRecord, token: string): boolean {
  const given = Buffer.from(hashToken(token), "hex");
  const expected = Buffer.from(session.speakerTokenHash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function createSession(
  db: Db,
  supported: LanguagesResponse,
  input: CreateSessionRequest,
): Promise<CreateSessionResponse> {
  if (!supported.source.includes(input.sourceLanguage)) {
    throw new VisibleError(
      "unsupported_language",
      `sourceLanguage "${input.sourceLanguage}" is not supported; supported: ${supported.source.join(", ") || "none"}`,
    );
  }
  const targets = [...new Set(input.targetLanguages ?? supported.target)].filter(
    (language) => language !== input.sourceLanguage,
  );
  const unsupported = targets.filter((language) => !supported.target.includes(language));
  if (unsupported.length > 0) {
    throw new VisibleError(
      "unsupported_language",
      `targetLanguages ${unsupported.map((l) => `"${l}"`).join(", ")} not supported; supported: ${supported.target.join(", ")}`,
    );
  }
  if (targets.length === 0) {
    throw new VisibleError("unsupported_language", "targetLanguages must name at least one language other than the source");
  }
  const speakerToken = nanoid(32);
  const createdAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    const sessionId = newSessionId();
    try {
      await db.entities.session
        .create({
          sessionId,
          speakerTokenHash: hashToken(speakerToken),
          sourceLanguage: input.sourceLanguage,
          targetLanguages: targets,
          status: "active",
          createdAt,
          expiresAt: expiresAt(createdAt),
        })
        .go();
      return { sessionId, speakerToken, sourceLanguage: input.sourceLanguage, targetLanguages: targets, createdAt };
    } catch (error) {
      // A taken id fails the conditional create; draw another.
      if (attempt >= 5 || !isConditionalFailure(error)) throw error;
    }
  }
}

/** A conditional write refused, by the AWS error's class name (ElectroDB wraps it as the `cause`). */
export function isConditionalFailure(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === "ConditionalCheckFailedException") return true;
  }
  return false;
}

export async function getSession(db: Db, sessionId: string): Promise<SessionRecord | undefined> {
  const { data } = await db.entities.session.get({ sessionId }).go();
  return data ?? undefined;
}

/** The session, or a visible error saying why it cannot be used. */
export async function requireActiveSession(db: Db, sessionId: string): Promise<SessionRecord> {
  const session = await getSession(db, sessionId);
  if (!session) throw new VisibleError("session_not_found", `session "${sessionId}" does not exist`, 404);
  if (session.status !== "active") throw new VisibleError("session_ended", `session "${sessionId}" has ended`, 409);
  return session;
}

export async function viewSession(db: Db, sessionId: string): Promise<SessionView> {
  const session = await getSession(db, sessionId);
  if (!session) throw new VisibleError("not_found", `session "${sessionId}" does not exist`, 404);
  const listeners: ListenerCounts = listenerCounts(audienceOf(await listSessionConnections(db, sessionId)));
  return {
    sessionId: session.sessionId,
    sourceLanguage: session.sourceLanguage,
    targetLanguages: session.targetLanguages,
    status: session.status,
    listeners,
  };
}

export async function markSessionEnded(db: Db, sessionId: string): Promise<void> {
  await db.entities.session
    .patch({ sessionId })
    .set({ status: "ended", endedAt: Date.now() })
    .go();
}
