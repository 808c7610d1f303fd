import { describe, expect, it } from "vitest";

describe("AWS wiring", () => {
  it("reads SST's linked resources only when first used, and builds the AWS adapters from them", async () => {
    // Prepare: what SST puts in a linked function's environment.
    process.env.AWS_REGION = "eu-west-1";
    process.env.SST_RESOURCE_Sessions = JSON.stringify({ name: "livetranslate-prod-Sessions", type: "sst.aws.Dynamo" });
    process.env.SST_RESOURCE_AudioStream = JSON.stringify({ name: "livetranslate-prod-AudioStream", type: "sst.aws.KinesisStream" });
    process.env.SST_RESOURCE_Audio = JSON.stringify({ name: "livetranslate-prod-audio-abc", type: "sst.aws.Bucket" });
    process.env.SST_RESOURCE_Realtime = JSON.stringify({
      url: "wss://abc123.execute-api.eu-west-1.amazonaws.com/$default",
      managementEndpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/$default",
      type: "sst.aws.ApiGatewayWebSocket",
    });
    // Act
    const { awsDeps } = await import("./wiring.ts");
    const deps = awsDeps();
    // Assess
    expect(awsDeps()).toBe(deps);
    const languages = deps.languages();
    expect(languages.source).toEqual(expect.arrayContaining(["en", "es", "fr", "de"]));
    expect(languages.target).toEqual(expect.arrayContaining(["es", "fr", "de", "ja", "zh"]));
    expect(languages.target).not.toContain("eo");
    expect((deps.ingest as unknown as { streamName: string }).streamName).toBe("livetranslate-prod-AudioStream");
  });

  it.each(["connect", "disconnect", "message", "http", "stream"])("handlers/%s.ts exports a Lambda handler", async (name) => {
    const module = (await import(`./handlers/${name}.ts`)) as { handler?: unknown };
    expect(typeof module.handler).toBe("function");
  });
});
