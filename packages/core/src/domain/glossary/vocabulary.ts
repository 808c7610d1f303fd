/**
 * A session's glossary as the recognizer service's custom vocabulary (Amazon Transcribe's), so its names are heard,
 * not only translated. The vocabulary is a help, never a condition: a session whose vocabulary cannot be built
 * (Transcribe allows an account few, and refuses some characters) goes on with the deployment-wide one.
 */
import type { Glossary } from "../../protocol/index.ts";
import type { Log } from "../../log.ts";
import type { CustomVocabularies } from "../../ports/index.ts";

/**
 * Asks for the session's vocabulary (ready minutes later; the session's streams take it up then), and deletes those
 * of sessions that expired without ending, which would otherwise fill the account's quota.
 */
export async function requestVocabulary(
  vocabularies: CustomVocabularies | undefined,
  log: Log,
  session: { sessionId: string; sourceLanguage: string; glossary?: Glossary },
): Promise<void> {
  if (!vocabularies || !session.glossary?.length) return;
  const { sessionId } = session;
  try {
    await vocabularies.create(sessionId, session.sourceLanguage, session.glossary.map((entry) => entry.term));
    log({ level: "info", event: "vocabulary.requested", sessionId, terms: session.glossary.length });
  } catch (error) {
    log({ level: "warn", event: "vocabulary.create_failed", sessionId, error: (error as Error).message });
  }
  try {
    const deleted = await vocabularies.deleteExpired();
    if (deleted > 0) log({ level: "info", event: "vocabulary.expired_deleted", deleted });
  } catch (error) {
    log({ level: "warn", event: "vocabulary.sweep_failed", error: (error as Error).message });
  }
}
