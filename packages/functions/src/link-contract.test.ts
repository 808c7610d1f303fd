/**
 * The link contract, package side: each Lambda entry, built through `awsAdapters()` in a process that has only
 * the links its adapters read (as SST provides them, plus SST_RESOURCE_App), runs up to its first AWS call
 * without any `"X" is not linked`, and calls only AWS actions its adapters declare. infra/contracts.test.ts runs
 * the same invocation with the links SST itself gives each function in infra.
 */
import { describe, expect, it } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { linksNeeded, requiredActions } from "./composition.ts";
import { FUNCTION_IAM_ACTIONS, FUNCTION_NAMES, type FunctionName, SERVICE_NAMES } from "./deployment.ts";
import { invokeWithOnlyLinks, sampleLinkProperties } from "./testing/linked-invocation.ts";

const linksOf = (fn: FunctionName) => Object.fromEntries(linksNeeded(fn).map((name) => [name, sampleLinkProperties(name)]));

describe("each function reads only the resources its adapters declare", () => {
  it("names the links each function needs: the table everywhere, the rest only where used", () => {
    expect(Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, linksNeeded(fn)]))).toEqual({
      // App (the stage, for the metrics' namespace) is in every function: failed AWS attempts are counted.
      // The speakers' user pool where a speaker connects and speaks: a disabled account's speaker is refused.
      Connect: ["App", "Sessions", "Speakers"],
      Disconnect: ["App", "Sessions"],
      Message: ["App", "AudioStream", "Realtime", "Sessions", "Speakers"],
      // The broker's endpoint: the HTTP API hands it to listeners by broadcast with their pass.
      Http: ["App", "BroadcastEndpoint", "Sessions"],
      // The stream too: an environment that lacks the open segment reads it back from Kinesis.
      Consumer: ["App", "Audio", "AudioStream", "BroadcastEndpoint", "Realtime", "Sessions"],
      // Passes are checked against their records; the stage prefixes the topics a pass grants.
      BroadcastAuthorizerHandler: ["App", "Sessions"],
      // A listener's presence and place: its pass's record and its admission items (its place, the session's counter).
      BroadcastPresenceHandler: ["App", "Sessions"],
    });
  });

  it("names the links the consumer service needs: the consumer's, its fan-out consumer and its failure queue", () => {
    expect(linksNeeded("ConsumerService")).toEqual(["App", "Audio", "AudioStream", "AudioStreamFanOut", "BroadcastEndpoint", "ConsumerFailures", "Realtime", "Sessions"]);
  });

  it.each([...FUNCTION_NAMES, ...SERVICE_NAMES])("%s: infra grants exactly the IAM actions its adapters declare", (fn) => {
    const key = (a: { action: string; resource: string }) => `${a.action} on ${a.resource}`;
    expect(FUNCTION_IAM_ACTIONS[fn].map(key).sort()).toEqual(requiredActions(fn).map(key).sort());
  });

  it.each(FUNCTION_NAMES)("%s runs with only its links, up to its AWS calls, and calls only declared actions", async (fn) => {
    // Act
    const invocation = await invokeWithOnlyLinks(fn, linksOf(fn));
    // Assess
    expect(invocation.notLinked).toEqual([]);
    // A handler may fail on the stubbed network (Lambda then reports an error), never on anything else.
    expect(invocation.results.filter((r) => r.thrown && !r.thrown.includes("network stubbed"))).toEqual([]);
    expect(invocation.actions.length).toBeGreaterThan(0);
    const declared = new Set(requiredActions(fn).map((a) => a.action));
    expect(invocation.actions.filter((action) => !declared.has(action))).toEqual([]);
  }, scaledTimeout(60_000));

  it("publishes metrics in the namespace of the stage SST gives the function (App)", async () => {
    // Act: a listener report makes the Http function publish metrics.
    const invocation = await invokeWithOnlyLinks("Http", { ...linksOf("Http"), App: { name: "livetranslate", stage: "alice" } });
    // Assess
    const documents = invocation.output
      .split("\n")
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as { service: string; _aws: { CloudWatchMetrics: { Namespace: string }[] } });
    expect(documents.map((d) => [d.service, d._aws.CloudWatchMetrics[0]!.Namespace])).toEqual([["listener", "livetranslate/alice"]]);
  }, scaledTimeout(60_000));

  it("sees a missing link: Message without the WebSocket API fails by name", async () => {
    // Act
    const { Realtime: _, ...withoutRealtime } = linksOf("Message");
    const invocation = await invokeWithOnlyLinks("Message", withoutRealtime);
    // Assess
    expect(invocation.notLinked).toEqual(["Realtime"]);
  }, scaledTimeout(60_000));

  it("sees a missing link: Connect without the speakers' user pool fails by name when a speaker connects", async () => {
    // Act
    const { Speakers: _, ...withoutSpeakers } = linksOf("Connect");
    const invocation = await invokeWithOnlyLinks("Connect", withoutSpeakers);
    // Assess
    expect(invocation.notLinked).toEqual(["Speakers"]);
    expect((await invokeWithOnlyLinks("Connect", linksOf("Connect"))).actions).toContain("cognito-idp:AdminGetUser");
  }, scaledTimeout(60_000));

  it("sees a missing link: the Consumer without the stream it replays from fails by name", async () => {
    // Act
    const { AudioStream: _, ...withoutStream } = linksOf("Consumer");
    const invocation = await invokeWithOnlyLinks("Consumer", withoutStream);
    // Assess
    expect(invocation.notLinked).toEqual(["AudioStream"]);
  }, scaledTimeout(60_000));
});
