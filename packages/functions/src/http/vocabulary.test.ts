import { CreateVocabularyCommand, LimitExceededException, ListVocabulariesCommand, TranscribeClient } from "@aws-sdk/client-transcribe";
import { TranscribeVocabularies } from "@livetranslate/core/adapters/aws/transcribe-vocabularies";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fakeAdapters } from "../testing/harness.ts";
import { createApi } from "./api.ts";

const transcribe = mockClient(TranscribeClient);
afterEach(() => transcribe.reset());
expectDeclaredCalls(transcribe, TranscribeVocabularies.iamActions);

describe("POST /sessions with a glossary, on AWS (mocked Transcribe)", () => {
  let fakes: Awaited<ReturnType<typeof fakeAdapters>>;
  let api: ReturnType<typeof createApi>;
  beforeAll(async () => {
    fakes = await fakeAdapters();
    const vocabularies = new TranscribeVocabularies({ client: new TranscribeClient({ region: "us-east-1" }), prefix: "livetranslate-alice", expireAfterMs: 86_400_000 });
    api = createApi({ ...fakes.adapters, vocabularies });
  });
  afterAll(() => fakes.close());

  const post = (body: object) => api.request("/sessions", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

  it("asks Transcribe for the session's custom vocabulary from the glossary's terms", async () => {
    transcribe.on(CreateVocabularyCommand).resolves({ VocabularyState: "PENDING" });
    transcribe.on(ListVocabulariesCommand).resolves({ Vocabularies: [] });
    const response = await post({ sourceLanguage: "en", targetLanguages: ["es"], glossary: [{ term: "Kinesis", translations: { es: "Kinesis" } }, { term: "live translation" }] });
    expect(response.status).toBe(201);
    const { sessionId } = (await response.json()) as { sessionId: string };
    expect(transcribe.commandCalls(CreateVocabularyCommand)[0]!.args[0].input).toEqual({
      VocabularyName: `livetranslate-alice-${sessionId}`,
      LanguageCode: "en-US",
      Phrases: ["Kinesis", "live-translation"],
    });
  });

  it("asks nothing for a session without a glossary", async () => {
    expect((await post({ sourceLanguage: "en", targetLanguages: ["es"] })).status).toBe(201);
    expect(transcribe.calls()).toHaveLength(0);
  });

  it("creates the session when Transcribe refuses the vocabulary (quota), saying so in the log", async () => {
    transcribe.on(CreateVocabularyCommand).rejects(new LimitExceededException({ message: "You have reached the limit of 100 vocabularies", $metadata: {} }));
    transcribe.on(ListVocabulariesCommand).resolves({ Vocabularies: [] });
    const response = await post({ sourceLanguage: "en", targetLanguages: ["es"], glossary: [{ term: "Kinesis" }] });
    expect(response.status).toBe(201);
    expect(fakes.log.entries.find((e) => e.event === "vocabulary.create_failed")).toMatchObject({ error: expect.stringContaining("limit of 100") });
  });
});
