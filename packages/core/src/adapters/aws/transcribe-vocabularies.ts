/**
 * A session's glossary as an Amazon Transcribe custom vocabulary: created when the session is (`CreateVocabulary`
 * with its terms as phrases), used by the session's streams once Transcribe reports it READY (building one takes
 * minutes; until then the streams use the deployment-wide vocabulary), deleted when the session ends.
 */
import {
  ConflictException,
  CreateVocabularyCommand,
  DeleteVocabularyCommand,
  GetVocabularyCommand,
  ListVocabulariesCommand,
  NotFoundException,
  type TranscribeClient,
} from "@aws-sdk/client-transcribe";
import type { CustomVocabularies } from "../../ports/index.ts";
import type { IamAction } from "./iam.ts";
import { TRANSCRIBE_LANGUAGES } from "./transcribe-languages.ts";

export interface TranscribeVocabulariesOptions {
  client: TranscribeClient;
  /**
   * Starts every vocabulary name of this deployment (names are unique per account and region, which several
   * deployments may share); "livetranslate" by default.
   */
  prefix?: string;
  /** A vocabulary last changed this long ago belongs to an expired session: a session record's lifetime. */
  expireAfterMs: number;
  /** A vocabulary still being built is asked about at most this often per session (default 15 s). */
  pollIntervalMs?: number;
  now?: () => number;
}

/** What is known of a session's vocabulary in this execution environment. */
interface Known {
  state: "PENDING" | "READY" | "GONE";
  checkedAt: number;
}

/** Transcribe's limits on a vocabulary name: 1-200 characters of `0-9a-zA-Z._-`. */
const NAME_LENGTH = 200;

/** The session's vocabulary name: the prefix and the session id, any other character a hyphen, at most 200 characters. */
export function vocabularyName(prefix: string, sessionId: string): string {
  return `${prefix}-${sessionId}`.replace(/[^0-9a-zA-Z._-]/g, "-").slice(0, NAME_LENGTH);
}

/**
 * A glossary term as a phrase of a list vocabulary: the words of a multi-word phrase joined by hyphens, and only
 * letters, apostrophes and periods kept (Transcribe refuses the whole vocabulary for one character outside its
 * language's set; digits must be spelled out, so a term of digits alone has no phrase).
 */
export function vocabularyPhrase(term: string): string | undefined {
  const words = term
    .normalize("NFC")
    .split(/[^\p{L}\p{M}'.]+/u)
    .map((word) => word.replace(/^[.']+|[.']+$/g, ""))
    .filter(Boolean);
  const phrase = words.join("-").slice(0, 256);
  return phrase || undefined;
}

export class TranscribeVocabularies implements CustomVocabularies {
  static readonly iamActions: readonly IamAction[] = [
    { action: "transcribe:CreateVocabulary", resource: "*" },
    { action: "transcribe:GetVocabulary", resource: "*" },
    { action: "transcribe:DeleteVocabulary", resource: "*" },
    { action: "transcribe:ListVocabularies", resource: "*" },
  ];
  private readonly prefix: string;
  private readonly known = new Map<string, Known>();
  private readonly now: () => number;

  constructor(private readonly options: TranscribeVocabulariesOptions) {
    this.prefix = options.prefix ?? "livetranslate";
    this.now = options.now ?? Date.now;
    if (!/^[0-9a-zA-Z._-]{1,100}$/.test(this.prefix)) throw new Error(`Transcribe vocabulary prefix "${this.prefix}" must be 1-100 of 0-9 a-z A-Z . _ -`);
  }

  nameOf(sessionId: string): string {
    return vocabularyName(this.prefix, sessionId);
  }

  /**
   * A session id may come again long after an earlier session of that id ended without its vocabulary deleted: the
   * name is then taken (ConflictException), and the old vocabulary is replaced.
   */
  async create(sessionId: string, language: string, terms: readonly string[]): Promise<void> {
    const languageCode = TRANSCRIBE_LANGUAGES[language];
    if (!languageCode) throw new Error(`Amazon Transcribe is not set up for "${language}": no custom vocabulary`);
    const phrases = [...new Set(terms.map(vocabularyPhrase).filter((p): p is string => !!p))];
    if (phrases.length === 0) return;
    const input = { VocabularyName: this.nameOf(sessionId), LanguageCode: languageCode, Phrases: phrases };
    try {
      await this.options.client.send(new CreateVocabularyCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.delete(sessionId);
      await this.options.client.send(new CreateVocabularyCommand(input));
    }
    this.known.set(sessionId, { state: "PENDING", checkedAt: this.now() });
  }

  async ready(sessionId: string): Promise<string | undefined> {
    const known = this.known.get(sessionId);
    if (known?.state === "READY") return this.nameOf(sessionId);
    if (known?.state === "GONE") return undefined;
    if (known && this.now() - known.checkedAt < (this.options.pollIntervalMs ?? 15_000)) return undefined;
    let state: Known["state"];
    try {
      const { VocabularyState } = await this.options.client.send(new GetVocabularyCommand({ VocabularyName: this.nameOf(sessionId) }));
      // FAILED is final: the session goes on with the deployment-wide vocabulary.
      state = VocabularyState === "READY" ? "READY" : VocabularyState === "FAILED" ? "GONE" : "PENDING";
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
      state = "GONE";
    }
    this.known.set(sessionId, { state, checkedAt: this.now() });
    return state === "READY" ? this.nameOf(sessionId) : undefined;
  }

  async delete(sessionId: string): Promise<void> {
    this.known.set(sessionId, { state: "GONE", checkedAt: this.now() });
    await this.deleteNamed(this.nameOf(sessionId));
  }

  /**
   * A session whose speaker never ended it leaves its vocabulary until its records expire; this deployment's
   * vocabularies older than that are deleted (Transcribe allows an account few).
   */
  async deleteExpired(): Promise<number> {
    const expiredBefore = this.now() - this.options.expireAfterMs;
    let deleted = 0;
    let NextToken: string | undefined;
    do {
      const page = await this.options.client.send(new ListVocabulariesCommand({ NameContains: `${this.prefix}-`, MaxResults: 100, NextToken }));
      for (const vocabulary of page.Vocabularies ?? []) {
        const name = vocabulary.VocabularyName;
        if (!name?.startsWith(`${this.prefix}-`) || !vocabulary.LastModifiedTime || vocabulary.LastModifiedTime.getTime() >= expiredBefore) continue;
        await this.deleteNamed(name);
        deleted++;
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return deleted;
  }

  private async deleteNamed(name: string): Promise<void> {
    try {
      await this.options.client.send(new DeleteVocabularyCommand({ VocabularyName: name }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
    }
  }
}
