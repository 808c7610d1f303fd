import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { sdkStreamMixin } from "@smithy/util-stream";
import { mockClient } from "aws-sdk-client-mock";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { POLLY_VOICES, PollySynthesizer, pollyLanguages } from "./polly.ts";
import { TRANSLATE_LANGUAGES } from "./translate.ts";

const polly = mockClient(PollyClient);
afterEach(() => polly.reset());
expectDeclaredCalls(polly, PollySynthesizer.iamActions);

/** An MP3 frame header and silence: enough for the duration to be measured. */
const mp3 = () => sdkStreamMixin(Readable.from([Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)])]));

/** The voice and engine Polly is asked for, a language at a time, in a region. */
async function chosen(region: string, languages: string[]) {
  polly.on(SynthesizeSpeechCommand).callsFake(async () => ({ AudioStream: mp3() }));
  const synthesizer = new PollySynthesizer({ client: new PollyClient({ region }), region });
  for (const language of languages) await synthesizer.synthesize("…", language);
  return polly.commandCalls(SynthesizeSpeechCommand).map((call) => `${call.args[0].input.VoiceId}/${call.args[0].input.Engine}`);
}

describe("Polly's voice for each language (mocked Polly)", () => {
  it("is the neural one where the region has the engine, else the standard one", async () => {
    expect(await chosen("eu-west-1", ["cs", "ro", "is", "cy", "pl"])).toEqual(["Jitka/neural", "Carmen/standard", "Dora/standard", "Gwyneth/standard", "Ola/neural"]);
    polly.reset();
    expect(await chosen("eu-south-1", ["ro", "is", "cy", "pl"])).toEqual(["Carmen/standard", "Dora/standard", "Gwyneth/standard", "Ewa/standard"]);
  });

  it("is none for a language whose only voice is neural, in a region without the engine: captions only there", async () => {
    expect(pollyLanguages("eu-west-1")).toContain("cs");
    expect(pollyLanguages("eu-south-1")).not.toContain("cs");
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "eu-south-1" }), region: "eu-south-1" });
    await expect(synthesizer.synthesize("Ahoj", "cs")).rejects.toThrow(/"cs" in eu-south-1/);
    expect(polly.commandCalls(SynthesizeSpeechCommand)).toEqual([]);
  });

  it("is set up only for languages Amazon Translate is asked to translate into", () => {
    expect(TRANSLATE_LANGUAGES).toEqual(expect.arrayContaining(Object.keys(POLLY_VOICES)));
  });
});
