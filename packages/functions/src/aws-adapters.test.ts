import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pick } from "./adapters.ts";
import { transcribeVocabularies } from "./aws-adapters.ts";
import { awsAdapters, compose } from "./composition.ts";

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
    expect(Object.keys(handlers)).toEqual(["Connect", "Disconnect", "Message", "Http", "Consumer", "BroadcastAuthorizerHandler", "BroadcastPresenceHandler"]);
  });

  it("offers the languages of Transcribe, Translate and Polly without building a client", () => {
    vi.stubEnv("AWS_REGION", "eu-west-1");
    const languages = awsAdapters().languages();
    expect(languages.source).toEqual(expect.arrayContaining(["en", "es", "fr", "de", "hi"]));
    expect(languages.target).toEqual(expect.arrayContaining(["es", "fr", "de", "ja", "zh", "hi", "ca"]));
    expect(languages.target).not.toContain("eo");
    // Amazon Translate has Ukrainian, Greek, Serbian...; Polly has no voice for them: captions only.
    expect(languages.target).toContain("uk");
    expect(languages.captionsOnly).toEqual(["bg", "el", "he", "hr", "hu", "id", "sk", "sl", "sr", "uk", "vi"]);
    // At least twenty targets, each heard in its own voice.
    expect(languages.target.filter((language) => !languages.captionsOnly!.includes(language)).length).toBeGreaterThanOrEqual(20);
    expect(languages.target).toEqual(expect.arrayContaining(["cs", "cy", "is", "ro"]));
    expect(Object.values(languages.routes!).every((route) => route.via === undefined)).toBe(true);
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

  it("reports every failed attempt of the speech services' clients too, as a log line and a metric", async () => {
    // Amazon Translate answering 503 to every attempt: the SDK retries, and each attempt is seen.
    const server = createServer((_, response) => {
      response.writeHead(503, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ServiceUnavailableException" });
      response.end(JSON.stringify({ __type: "ServiceUnavailableException", message: "try again" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      vi.stubEnv("AWS_REGION", "eu-west-1");
      vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
      vi.stubEnv("AWS_ENDPOINT_URL_TRANSLATE", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      vi.stubEnv("SST_RESOURCE_App", JSON.stringify({ name: "livetranslate", stage: "test" }));
      const lines: string[] = [];
      const capture = (line: unknown) => void lines.push(String(line));
      vi.spyOn(console, "error").mockImplementation(capture);
      vi.spyOn(console, "log").mockImplementation(capture);
      vi.spyOn(console, "info").mockImplementation(capture);
      // Powertools writes metrics through a console of its own, on stdout.
      vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (capture(chunk), true));
      const adapters = awsAdapters();
      await expect(adapters.translator.translate("Hello.", "en", "es")).rejects.toThrow();
      const failed = lines.filter((l) => l.includes('"aws.attempt_failed"'));
      expect(failed.length).toBeGreaterThanOrEqual(2);
      expect(failed[0]).toContain("Translate");
      // The metric went out with it (Powertools' embedded metric format).
      expect(lines.some((l) => l.includes("AwsAttemptsFailed"))).toBe(true);
    } finally {
      vi.restoreAllMocks();
      server.close();
    }
  });
});
