/** Sessions: one speaker, a source language, the target languages listeners may pick. */
import { randomInt } from "node:crypto";
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
import { Secret } from "../secret/index.ts";

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
    /** A private session: SHA-256 of the join key listeners must give with the code (the key is shown once). */
    joinKeyHash: z.string().optional(),
    /** The signed-in account that created the session (Cognito's `sub`), where the deployment has sign-in. */
    speakerAccount: z.string().optional(),
  });
  export type Info = z.infer<typeof Info>;

  /** Characters of a join key: 79 bits, still short enough to read out beside the code. */
  export const JOIN_KEY_CHARACTERS = 16;

  /** `joyful-hope-911`: easy to read aloud and type on a phone. */
  export function newId(): string {
    const pick = (words: string[]) => words[randomInt(words.length)]!.toLowerCase();
    return `${pick(adjectives)}-${pick(nouns)}-${randomInt(100, 1000)}`;
  }

  export function isSpeakerToken(session: Info, token: string): boolean {
    return Secret.matchesHash(session.speakerTokenHash, token);
  }

  /** Whether a listener holding `key` may listen: any key for a session without one, else its own. */
  export function admitsListener(session: Info, key: string | undefined): boolean {
    if (!session.joinKeyHash) return true;
    return key !== undefined && Secret.matchesHash(session.joinKeyHash, Secret.normalize(key));
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
    const joinKey = input.private ? Secret.readable(JOIN_KEY_CHARACTERS) : undefined;
    const createdAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      const info: Info = {
        sessionId: newId(),
        speakerTokenHash: Secret.hash(speakerToken),
        sourceLanguage: input.sourceLanguage,
        targetLanguages: targets,
        status: "active",
        createdAt,
        ...(input.keepTranscript ? { keepTranscript: true } : {}),
        ...(input.glossary?.length ? { glossary: input.glossary } : {}),
        ...(joinKey ? { joinKeyHash: Secret.hash(Secret.normalize(joinKey)) } : {}),
        ...(speakerAccount ? { speakerAccount } : {}),
      };
      try {
        await db.entities.session.create({ ...info, expiresAt: expiresAt(createdAt) }).go();
        const { sessionId, sourceLanguage, targetLanguages } = info;
        return { sessionId, speakerToken, sourceLanguage, targetLanguages, createdAt, ...(joinKey ? { joinKey } : {}) };
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
    return requireFound(await get(db, sessionId), sessionId);
  }

  function requireFound(session: Info | undefined, sessionId: string): Info {
    if (!session) throw new VisibleError("session_not_found", `session "${sessionId}" does not exist`, 404);
    return session;
  }

  export async function requireActive(db: Db, sessionId: string): Promise<Info> {
    return requireNotEnded(await requireExisting(db, sessionId));
  }

  /** The session, if it has not ended. */
  export function requireNotEnded(session: Info): Info {
    if (session.status !== "active") throw new VisibleError("session_ended", `session "${session.sessionId}" has ended`, 409);
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
   * What a listener is told of a session it may not use, whether it does not exist, has ended, has expired or
   * needs a join key the listener lacks: one answer, so trying codes tells nothing about which are or were in use.
   */
  function unavailable(sessionId: string, code: "not_found" | "session_not_found"): VisibleError {
    return new VisibleError(code, `session "${sessionId}" does not exist, has ended, or needs the key from its link`, 404);
  }

  /** What is told of a speaker token that is not this session's, whether the session exists or not. */
  function notSpeaker(sessionId: string): VisibleError {
    return new VisibleError("unauthorized", `session "${sessionId}" does not exist or this is not its speaker token`, 403);
  }

  /** The session a listener holding `key` may join: active, and its key given when it has one. */
  export async function requireListenable(db: Db, sessionId: string, key: string | undefined): Promise<Info> {
    const session = await get(db, sessionId);
    if (session?.status !== "active" || !admitsListener(session, key)) throw unavailable(sessionId, "session_not_found");
    return session;
  }

  /** The session whose speaker token `token` is, active or ended. */
  export async function requireSpeaker(db: Db, sessionId: string, token: string | undefined): Promise<Info> {
    const session = await get(db, sessionId);
    if (!session || token === undefined || !isSpeakerToken(session, token)) throw notSpeaker(sessionId);
    return session;
  }

  /**
   * The session as GET /sessions/{id} shows it: no token hash, listener counts. Its speaker (`speakerToken`) sees
   * it active or ended; anyone else sees an active session they may listen to (`key`), and otherwise the one answer
   * a session that does not exist gets.
   */
  export async function view(db: Db, sessionId: string, access: { key?: string; speakerToken?: string } = {}): Promise<SessionView> {
    const session = await get(db, sessionId);
    const speaker = session && access.speakerToken !== undefined && isSpeakerToken(session, access.speakerToken);
    if (!session || !(speaker || (session.status === "active" && admitsListener(session, access.key)))) {
      throw unavailable(sessionId, "not_found");
    }
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
    // One read per chunk: this runs for every chunk the speaker sends.
    const session = requireFound(await get(db, sessionId), sessionId);
    if (session.status === "ended" && session.lastChunkIndex !== undefined && chunkIndex <= session.lastChunkIndex) return session;
    return requireNotEnded(session);
  }
}
