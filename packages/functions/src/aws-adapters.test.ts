import { afterEach, describe, expect, it, vi } from "vitest";
import { pick } from "./adapters.ts";
import { awsAdapters, transcribeVocabularies } from "./aws-adapters.ts";
import { compose } from "./compose.ts";

describe("awsAdapters()", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("reads the Transcribe custom vocabularies setting: one name per source language", () => {
    expect(transcribeVocabularies("en=conference-terms, es = terminos")).toEqual({ en: "conference-terms", es: "terminos" });
    expect(transcribeVocabularies("")).toEqual({});
    expect(transcribeVocabularies(undefined)).toEqual({});
    expect(transcribeVocabularies("en")).toEqual({});
  });

  it("builds nothing until an adapter is read: composing every function reads no linked resource", () => {
    // Outside a function SST's Resource throws on any read: composing must not read one.
    const handlers = compose(awsAdapters());
    expect(Object.keys(handlers)).toEqual(["Connect", "Disconnect", "Message", "Http", "Consumer"]);
  });

  it("offers the languages of Transcribe, Translate and Polly without building a client", () => {
    vi.stubEnv("AWS_REGION", "eu-west-1");
    const languages = awsAdapters().languages();
    expect(languages.source).toEqual(expect.arrayContaining(["en", "es", "fr", "de", "hi"]));
    expect(languages.target).toEqual(expect.arrayContaining(["es", "fr", "de", "ja", "zh", "hi", "ca"]));
    expect(languages.target).not.toContain("eo");
    // Amazon Translate has Ukrainian, Polly no Ukrainian voice: captions only.
    expect(languages.target).toContain("uk");
    expect(languages.captionsOnly).toEqual(["uk"]);
  });

  it("offers a language whose only Polly voice is neural as captions only in a region without neural voices", () => {
    vi.stubEnv("AWS_REGION", "eu-south-1");
    const languages = awsAdapters().languages();
    expect(languages.target).toEqual(expect.arrayContaining(["ca", "hi"]));
    expect(languages.captionsOnly).toContain("ca");
    expect(languages.captionsOnly).not.toContain("hi");
  });

  it("gives a function only the slice it names", () => {
    const slice = pick(awsAdapters(), ["log"]) as Record<string, unknown>;
    expect(Object.keys(slice)).toEqual(["log"]);
    expect(slice.db).toBeUndefined();
  });
});
