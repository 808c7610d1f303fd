/** Sessions: one speaker, a source language, the target languages listeners may pick. */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { adjectives, nouns } from "human-id";
import { nanoid } from "nanoid";
import { z } from "zod";
import {
  type CreateSessionRequest,
  Glossary,
  type CreateSessionResponse,
  type LanguagesResponse,
  type SessionView,
  SessionId,
} from "../../protocol/index.ts";
import { VisibleError } from "../../error.ts";
import type { SpeakerAccounts } from "../../ports/index.ts";
import { Admission } from "../admission/index.ts";
import { type Db, expiresAt, isConditionalFailure } from "../db/index.ts";

export namespace Session {
  /** A session as stored; the ElectroDB entity `session` is checked against it (`db.test.ts`). */
  export const Info = z.object({
    sessionId: z.string(),
    /** SHA-256 of the speaker token: the token itself is shown once, at creation. */
    speakerTokenHash: z.string(),
    sourceLanguage: z.string(),
    targetLanguages: z.array(z.string()),
    status: z.enum(["active", "ended"]),
    createdAt: z.number(),
    endedAt: z.number().optional(),
    /** The last chunk index the speaker sent before ending, when it said: its backlog is still accepted after the end. */
    lastChunkIndex: z.number().int().nonnegative().optional(),
    /** The speaker asked for the transcript to be kept (in every target language). */
    keepTranscript: z.boolean().optional(),
    /** Names and terms translated one way (see domain/glossary). */
    glossary: Glossary.optional(),
    /** The signed-in account that created the session (Cognito's `sub`), where the deployment has sign-in. */
    speakerAccount: z.string().optional(),
  });
  export type Info = z.infer<typeof Info>;

  /** `joyful-hope-911`: easy to read aloud and type on a phone. */
  export function newId(): string {
    const pick = (words: string[]) => words[randomInt(words.length)]!.toLowerCase();
    return `${pick(adjectives)}-${pick(nouns)}-${randomInt(100, 1000)}`;
  }

  export function isSpeakerToken(session: Info, token: string): boolean {
    const given = Buffer.from(hashToken(token), "hex");
    const expected = Buffer.from(session.speakerTokenHash, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  export async function create(
    db: Db,
    supported: LanguagesResponse,
    input: CreateSessionRequest,
    speakerAccount?: string,
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
      const info: Info = {
        sessionId: newId(),
        speakerTokenHash: hashToken(speakerToken),
        sourceLanguage: input.sourceLanguage,
        targetLanguages: targets,
        status: "active",
        createdAt,
        ...(input.keepTranscript ? { keepTranscript: true } : {}),
        ...(input.glossary?.length ? { glossary: input.glossary } : {}),
        ...(speakerAccount ? { speakerAccount } : {}),
      };
      try {
        await db.entities.session.create({ ...info, expiresAt: expiresAt(createdAt) }).go();
        const { sessionId, sourceLanguage, targetLanguages } = info;
        return { sessionId, speakerToken, sourceLanguage, targetLanguages, createdAt };
      } catch (error) {
        // A taken id fails the conditional create; draw another.
        if (attempt >= 5 || !isConditionalFailure(error)) throw error;
      }
    }
  }

  /**
   * The session, or undefined when there is none or it has expired (DynamoDB's TTL deletes days late; an expired
   * session, its tokens and its transcript stop working at once). A malformed id is refused before the database.
   */
  export async function get(db: Db, sessionId: string, now = Date.now()): Promise<Info | undefined> {
    requireWellFormed(sessionId);
    const { data } = await db.entities.session.get({ sessionId }).go();
    // expiresAt is in seconds, as DynamoDB's TTL reads it.
    return data && data.expiresAt * 1000 > now ? Info.parse(data) : undefined;
  }

  function requireWellFormed(sessionId: string): void {
    if (!SessionId.safeParse(sessionId).success) {
      throw new VisibleError("bad_request", "sessionId must be 3 to 64 lower-case letters, digits and dashes");
    }
  }

  /** The session, or a visible error saying why it cannot be used. */
  export async function requireExisting(db: Db, sessionId: string): Promise<Info> {
    const session = await get(db, sessionId);
    if (!session) throw new VisibleError("session_not_found", `session "${sessionId}" does not exist`, 404);
    return session;
  }

  export async function requireActive(db: Db, sessionId: string): Promise<Info> {
    const session = await requireExisting(db, sessionId);
    if (session.status !== "active") throw new VisibleError("session_ended", `session "${sessionId}" has ended`, 409);
    return session;
  }

  /**
   * The session's speaker may speak only while the account that created the session may sign in: a disabled or
   * deleted account loses its sessions at once, not when they expire. Sessions created without sign-in, and
   * deployments without accounts, are not checked.
   */
  export async function requireSpeakerAccount(session: Info, accounts: SpeakerAccounts | undefined): Promise<void> {
    if (!accounts || !session.speakerAccount) return;
    if (!(await accounts.isEnabled(session.speakerAccount))) {
      throw new VisibleError("unauthorized", "the speaker account that created this session is disabled or deleted; sign in with an enabled account and create a new session", 403);
    }
  }

  /** A listener's language must be one the session offers. */
  export function requireOffered(session: Info, language: string): void {
    if (!session.targetLanguages.includes(language)) {
      throw new VisibleError(
        "unsupported_language",
        `language "${language}" is not offered in this session; choose one of ${session.targetLanguages.join(", ")}`,
      );
    }
  }

  /**
   * The session as anyone with its id may see it (GET /sessions/{id}): no token hash, listener counts as admitted
   * (one small read, however many listen).
   */
  export async function view(db: Db, sessionId: string): Promise<SessionView> {
    const session = await get(db, sessionId);
    if (!session) throw new VisibleError("not_found", `session "${sessionId}" does not exist`, 404);
    return {
      sessionId: session.sessionId,
      sourceLanguage: session.sourceLanguage,
      targetLanguages: session.targetLanguages,
      status: session.status,
      listeners: await Admission.counts(db, sessionId),
    };
  }

  /**
   * Closes the session to new connections and audio; what is in flight is still delivered, and so are the chunks up
   * to `lastChunkIndex`, when the speaker said it sent them (a reconnect's backlog races its end).
   */
  export async function end(db: Db, sessionId: string, lastChunkIndex?: number): Promise<void> {
    await db.entities.session.patch({ sessionId }).set({ status: "ended", endedAt: Date.now(), ...(lastChunkIndex !== undefined ? { lastChunkIndex } : {}) }).go();
  }

  /** The session, if it takes a chunk numbered `chunkIndex`: active, or ended after saying this chunk was sent before. */
  export async function requireTakesChunk(db: Db, sessionId: string, chunkIndex: number): Promise<Info> {
    const session = await get(db, sessionId);
    if (session?.status === "ended" && session.lastChunkIndex !== undefined && chunkIndex <= session.lastChunkIndex) return session;
    return requireActive(db, sessionId);
  }
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
