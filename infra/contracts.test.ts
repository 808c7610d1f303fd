/**
 * The link and permission contracts, both sides together: what SST itself gives each function of infra (its links,
 * environment and role policies, from the mocked run of sst.config.ts with SST's real components) against what the
 * function builds (packages/functions/src/composition.ts: its adapters, the resources they read, the IAM actions
 * they declare).
 *  a. Link contract: each Lambda entry, built through awsAdapters() in a fresh process holding only what SST gives
 *     it, runs up to its first AWS call without an `"X" is not linked`.
 *  b. Permission contract: the role SST generates allows every action the function's adapters declare, on this
 *     app's resources (evaluated with an IAM policy simulator), and every AWS call the invocation made.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "../packages/testing/src/calibration.ts";
import { handlerPath, linksNeeded, requiredActions } from "../packages/functions/src/composition.ts";
import { FUNCTION_NAMES } from "../packages/functions/src/deployment.ts";
import { invokeWithOnlyLinks } from "../packages/functions/src/testing/linked-invocation.ts";
import { decide, resourceArns } from "./testing/iam-grants.ts";
import { type SstRun, sstRun } from "./testing/sst-run.ts";

/**
 * What would undo what the deployment promises (the table and its records' expiry, the bucket's privacy and one-day
 * lifecycle, the stream and its encryption) or read everything at once: no function needs any of it.
 */
const DESTRUCTIVE: readonly (readonly [action: string, on: "table" | "tableIndex" | "bucket" | "bucketObject" | "stream" | "*"])[] = [
  ["dynamodb:DeleteTable", "table"],
  ["dynamodb:UpdateTable", "table"],
  ["dynamodb:UpdateTimeToLive", "table"],
  ["dynamodb:Scan", "table"],
  ["dynamodb:Scan", "tableIndex"],
  ["dynamodb:ExportTableToPointInTime", "table"],
  ["dynamodb:BatchWriteItem", "table"],
  ["s3:DeleteBucket", "bucket"],
  ["s3:PutBucketPolicy", "bucket"],
  ["s3:PutLifecycleConfiguration", "bucket"],
  ["s3:PutBucketCORS", "bucket"],
  ["s3:PutBucketPublicAccessBlock", "bucket"],
  ["s3:ListBucket", "bucket"],
  ["s3:DeleteObject", "bucketObject"],
  ["s3:PutObjectAcl", "bucketObject"],
  ["kinesis:DeleteStream", "stream"],
  // IAM knows no resource for this action: only a grant on "*" allows it.
  ["kinesis:UpdateShardCount", "*"],
  ["kinesis:StopStreamEncryption", "stream"],
  ["kinesis:IncreaseStreamRetentionPeriod", "stream"],
];

/** What Lambda's event source mapping calls with the Consumer's role (its stream, fan-out consumer and failure queue). */
const EVENT_SOURCE_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
  "kinesis:ListStreams",
  "kinesis:DescribeStreamConsumer",
  "kinesis:SubscribeToShard",
  "sqs:SendMessage",
];

describe("infra gives each function what it builds", () => {
  let run: SstRun;
  beforeAll(() => {
    run = sstRun();
    expect(run.error).toBeUndefined();
    expect(run.unhandled).toBeUndefined();
  }, scaledTimeout(120_000));

  it("defines exactly the functions packages/functions composes, each with the handler it names", () => {
    expect(Object.keys(run.functions).sort()).toEqual([...FUNCTION_NAMES].sort());
    for (const fn of FUNCTION_NAMES) expect(run.functions[fn]!.handler, fn).toBe(handlerPath(fn));
  });

  it.each(FUNCTION_NAMES)("a. %s links every resource its adapters read, and runs with only what SST gives it", async (fn) => {
    // Arrange
    const sst = run.functions[fn]!;
    expect(Object.keys(sst.links)).toEqual(expect.arrayContaining([...linksNeeded(fn)]));
    // Act: as in Lambda, the links come only from the build's sealed resource.enc (read relative to the bundle,
    // Lambda's working directory), App only from the environment.
    const invocation = await invokeWithOnlyLinks(fn, { App: sst.links.App }, { ...sst.environment, SST_KEY_FILE: path.join(sst.bundle, sst.environment.SST_KEY_FILE!) });
    // Assess
    expect(invocation.notLinked).toEqual([]);
    expect(invocation.results.filter((r) => r.thrown && !r.thrown.includes("network stubbed"))).toEqual([]);
    expect(invocation.actions.length).toBeGreaterThan(0);
  }, scaledTimeout(60_000));

  it.each(FUNCTION_NAMES)("b. %s's role allows every action its adapters declare, on this app's resources", async (fn) => {
    // Arrange
    const arns = resourceArns(run);
    const policies = run.functions[fn]!.policies;
    // Act
    const decisions = await Promise.all(requiredActions(fn).map(async ({ action, resource }) => `${action} on ${resource}: ${await decide(policies, action, arns[resource])}`));
    // Assess
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.filter((d) => !d.endsWith(": Allowed"))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)("b. %s may not delete, scan or reconfigure the table, the bucket or the stream", async (fn) => {
    // Arrange
    const arns = resourceArns(run);
    const policies = run.functions[fn]!.policies;
    // Act
    const allowed: string[] = [];
    for (const [action, on] of DESTRUCTIVE) if ((await decide(policies, action, arns[on])) === "Allowed") allowed.push(`${action} on ${on}`);
    // Assess
    expect(allowed).toEqual([]);
  });

  it.each(FUNCTION_NAMES)("b. %s's role allows no action beyond what its adapters declare (the Consumer: and its event source's reads)", (fn) => {
    const declared = new Set([...requiredActions(fn).map((a) => a.action), ...(fn === "Consumer" ? EVENT_SOURCE_ACTIONS : [])]);
    const granted = run.functions[fn]!.policies.flatMap((p) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));
    expect(granted.filter((action) => !declared.has(action))).toEqual([]);
  });

  it("b. grants audio objects only where the one-day lifecycle rule expires them (sessions/)", async () => {
    const { bucket } = resourceArns(run);
    expect(await decide(run.functions.Consumer!.policies, "s3:PutObject", `${bucket}/sessions/s1/translated/es/000001.mp3`)).toBe("Allowed");
    expect(await decide(run.functions.Consumer!.policies, "s3:PutObject", `${bucket}/kept-forever.mp3`)).toBe("ImplicitlyDenied");
  });

  it("b. denies what no adapter declares (the simulator is not allowing everything)", async () => {
    const arns = resourceArns(run);
    expect(await decide(run.functions.Connect!.policies, "kinesis:PutRecord", arns.stream)).toBe("ImplicitlyDenied");
    expect(await decide(run.functions.Http!.policies, "execute-api:ManageConnections", arns.wsConnections)).toBe("ImplicitlyDenied");
    // Nobody but the consumer may publish to listeners, and it only to this stage's session topics.
    for (const fn of ["Http", "Connect", "Message", "BroadcastAuthorizerHandler", "BroadcastPresenceHandler"] as const) {
      expect(await decide(run.functions[fn]!.policies, "iot:Publish", arns.broadcastTopic), fn).not.toBe("Allowed");
    }
    expect(await decide(run.functions.Consumer!.policies, "iot:Publish", arns.broadcastTopic.replace("/livetranslate/test/", "/livetranslate/production/"))).toBe("ImplicitlyDenied");
    expect(await decide(run.functions.Consumer!.policies, "dynamodb:PutItem", arns.table.replace(/table\/.+$/, "table/another"))).toBe("ImplicitlyDenied");
  });
});
