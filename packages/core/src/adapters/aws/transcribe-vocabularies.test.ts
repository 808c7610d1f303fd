import {
  ConflictException,
  CreateVocabularyCommand,
  DeleteVocabularyCommand,
  GetVocabularyCommand,
  LimitExceededException,
  ListVocabulariesCommand,
  NotFoundException,
  TranscribeClient,
} from "@aws-sdk/client-transcribe";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { TranscribeVocabularies, vocabularyName, vocabularyPhrase } from "./transcribe-vocabularies.ts";

const transcribe = mockClient(TranscribeClient);
afterEach(() => transcribe.reset());
expectDeclaredCalls(transcribe, TranscribeVocabularies.iamActions);

/** GetVocabulary's documented response. */
const described = (state: "PENDING" | "READY" | "FAILED") => ({
  VocabularyName: "livetranslate-joyful-hope-911",
  LanguageCode: "en-US" as const,
  VocabularyState: state,
  LastModifiedTime: new Date("2026-12-06T13:00:00Z"),
  ...(state === "FAILED" ? { FailureReason: "Invalid vocabulary: unsupported character" } : {}),
  DownloadUri: "https://example.com/vocabulary.txt",
});

const DAY = 24 * 60 * 60 * 1000;

function vocabularies() {
  let now = 0;
  const clock = { advance: (ms: number) => (now += ms) };
  const adapter = new TranscribeVocabularies({ client: new TranscribeClient({ region: "us-east-1" }), pollIntervalMs: 15_000, expireAfterMs: DAY, now: () => now });
  return { adapter, clock };
}

describe("TranscribeVocabularies (mocked Transcribe)", () => {
  it("creates the session's vocabulary from its glossary terms, in the language's locale", async () => {
    transcribe.on(CreateVocabularyCommand).resolves({ VocabularyName: "livetranslate-joyful-hope-911", LanguageCode: "en-US", VocabularyState: "PENDING" });
    const { adapter } = vocabularies();
    await adapter.create("joyful-hope-911", "en", ["Kinesis", "live translation", "Kinesis", "C3PO's", "42"]);
    expect(transcribe.commandCalls(CreateVocabularyCommand)[0]!.args[0].input).toEqual({
      VocabularyName: "livetranslate-joyful-hope-911",
      LanguageCode: "en-US",
      Phrases: ["Kinesis", "live-translation", "C-PO's"],
    });
  });

  it("creates nothing for terms with no phrase, and refuses a language Transcribe is not set up for", async () => {
    const { adapter } = vocabularies();
    await adapter.create("s-1", "en", ["42", "--"]);
    expect(transcribe.commandCalls(CreateVocabularyCommand)).toHaveLength(0);
    await expect(adapter.create("s-1", "xx", ["Kinesis"])).rejects.toThrow(/"xx"/);
  });

  it("is ready once GetVocabulary says READY, asked at most once per poll interval while it is built", async () => {
    transcribe.on(CreateVocabularyCommand).resolves({ VocabularyState: "PENDING" });
    transcribe.on(GetVocabularyCommand).resolvesOnce(described("PENDING")).resolves(described("READY"));
    const { adapter, clock } = vocabularies();
    await adapter.create("joyful-hope-911", "en", ["Kinesis"]);
    expect(await adapter.ready("joyful-hope-911")).toBeUndefined();
    expect(transcribe.commandCalls(GetVocabularyCommand)).toHaveLength(0);
    clock.advance(15_000);
    expect(await adapter.ready("joyful-hope-911")).toBeUndefined();
    expect(await adapter.ready("joyful-hope-911")).toBeUndefined();
    expect(transcribe.commandCalls(GetVocabularyCommand)).toHaveLength(1);
    clock.advance(15_000);
    expect(await adapter.ready("joyful-hope-911")).toBe("livetranslate-joyful-hope-911");
    // READY stays READY: no more calls.
    clock.advance(60_000);
    expect(await adapter.ready("joyful-hope-911")).toBe("livetranslate-joyful-hope-911");
    expect(transcribe.commandCalls(GetVocabularyCommand)).toHaveLength(2);
    expect(transcribe.commandCalls(GetVocabularyCommand)[0]!.args[0].input).toEqual({ VocabularyName: "livetranslate-joyful-hope-911" });
  });

  it("asks at once in an environment that did not create it, and never again for one that failed or does not exist", async () => {
    transcribe.on(GetVocabularyCommand, { VocabularyName: "livetranslate-a" }).resolves(described("FAILED"));
    transcribe.on(GetVocabularyCommand, { VocabularyName: "livetranslate-b" }).rejects(new NotFoundException({ message: "The requested vocabulary couldn't be found.", $metadata: {} }));
    const { adapter, clock } = vocabularies();
    expect(await adapter.ready("a")).toBeUndefined();
    expect(await adapter.ready("b")).toBeUndefined();
    clock.advance(60_000);
    expect(await adapter.ready("a")).toBeUndefined();
    expect(await adapter.ready("b")).toBeUndefined();
    expect(transcribe.commandCalls(GetVocabularyCommand)).toHaveLength(2);
  });

  it("lets a throttled GetVocabulary fail the caller (who goes on without it), without deciding anything", async () => {
    transcribe.on(GetVocabularyCommand).rejectsOnce(new LimitExceededException({ message: "Rate exceeded", $metadata: {} })).resolves(described("READY"));
    const { adapter } = vocabularies();
    await expect(adapter.ready("joyful-hope-911")).rejects.toThrow(/Rate exceeded/);
    expect(await adapter.ready("joyful-hope-911")).toBe("livetranslate-joyful-hope-911");
  });

  it("replaces a vocabulary left by an earlier session of the same id", async () => {
    transcribe
      .on(CreateVocabularyCommand)
      .rejectsOnce(new ConflictException({ message: "The requested vocabulary name already exists.", $metadata: {} }))
      .resolves({ VocabularyState: "PENDING" });
    transcribe.on(DeleteVocabularyCommand).resolves({});
    const { adapter } = vocabularies();
    await adapter.create("joyful-hope-911", "en", ["Kinesis"]);
    expect(transcribe.commandCalls(CreateVocabularyCommand)).toHaveLength(2);
    expect(transcribe.commandCalls(DeleteVocabularyCommand)[0]!.args[0].input).toEqual({ VocabularyName: "livetranslate-joyful-hope-911" });
  });

  it("deletes the session's vocabulary, one already gone being fine, and is not ready after", async () => {
    transcribe.on(DeleteVocabularyCommand).resolvesOnce({}).rejects(new NotFoundException({ message: "not found", $metadata: {} }));
    transcribe.on(GetVocabularyCommand).resolves(described("READY"));
    const { adapter } = vocabularies();
    expect(await adapter.ready("joyful-hope-911")).toBe("livetranslate-joyful-hope-911");
    await adapter.delete("joyful-hope-911");
    await adapter.delete("joyful-hope-911");
    expect(await adapter.ready("joyful-hope-911")).toBeUndefined();
    expect(transcribe.commandCalls(DeleteVocabularyCommand)).toHaveLength(2);
  });

  it("deletes this deployment's vocabularies of expired sessions, page by page, and no one else's", async () => {
    const { adapter, clock } = vocabularies();
    clock.advance(3 * DAY);
    const listed = (name: string, ageMs: number) => ({ VocabularyName: name, LanguageCode: "en-US" as const, VocabularyState: "READY" as const, LastModifiedTime: new Date(3 * DAY - ageMs) });
    transcribe
      .on(ListVocabulariesCommand)
      .resolvesOnce({ Vocabularies: [listed("livetranslate-old-one-101", 2 * DAY), listed("livetranslate-new-one-102", 60_000)], NextToken: "page-2" })
      .resolves({ Vocabularies: [listed("other-livetranslate-old-103", 2 * DAY), listed("livetranslate-old-two-104", DAY + 1)] });
    transcribe.on(DeleteVocabularyCommand).resolves({});
    expect(await adapter.deleteExpired()).toBe(2);
    expect(transcribe.commandCalls(ListVocabulariesCommand).map((c) => c.args[0].input)).toEqual([
      { NameContains: "livetranslate-", MaxResults: 100, NextToken: undefined },
      { NameContains: "livetranslate-", MaxResults: 100, NextToken: "page-2" },
    ]);
    expect(transcribe.commandCalls(DeleteVocabularyCommand).map((c) => c.args[0].input.VocabularyName)).toEqual(["livetranslate-old-one-101", "livetranslate-old-two-104"]);
  });

  it("derives valid names and phrases", () => {
    expect(vocabularyName("livetranslate-prod", "joyful-hope-911")).toBe("livetranslate-prod-joyful-hope-911");
    expect(vocabularyName("lt", "a b/é:1")).toBe("lt-a-b---1");
    expect(vocabularyName("lt", "x".repeat(300))).toHaveLength(200);
    expect(vocabularyName("lt", "x".repeat(300))).toMatch(/^[0-9a-zA-Z._-]{1,200}$/);
    expect(vocabularyPhrase("  Los   Angeles ")).toBe("Los-Angeles");
    expect(vocabularyPhrase("Dr. Müller")).toBe("Dr-Müller");
    expect(vocabularyPhrase("O'Brien")).toBe("O'Brien");
    expect(vocabularyPhrase("2024")).toBeUndefined();
    expect(() => new TranscribeVocabularies({ client: new TranscribeClient({}), prefix: "bad prefix", expireAfterMs: DAY })).toThrow(/prefix/);
  });
});
