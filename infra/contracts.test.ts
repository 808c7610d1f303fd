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
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "../packages/testing/src/calibration.ts";
import { handlerPath, linksNeeded, requiredActions, SERVICES } from "../packages/functions/src/composition.ts";
import { LAMBDA_FUNCTIONS, SERVICE_NAMES } from "../packages/functions/src/deployment.ts";
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

/** What reads records off the stream (an event source mapping, or a reader of its own), and on what. */
const STREAM_READS = [
  ["kinesis:GetRecords", "stream"],
  ["kinesis:GetShardIterator", "stream"],
  ["kinesis:SubscribeToShard", "streamConsumer"],
] as const;

const root = path.resolve(import.meta.dirname, "..");

describe("infra gives each function what it builds", () => {
  let run: SstRun;
  beforeAll(() => {
    run = sstRun();
    expect(run.error).toBeUndefined();
    expect(run.unhandled).toBeUndefined();
  }, scaledTimeout(120_000));

  it("defines exactly the functions packages/functions composes for Lambda, each with the handler it names", () => {
    expect(Object.keys(run.functions).sort()).toEqual([...LAMBDA_FUNCTIONS].sort());
    for (const fn of LAMBDA_FUNCTIONS) expect(run.functions[fn]!.handler, fn).toBe(handlerPath(fn));
  });

  it.each(LAMBDA_FUNCTIONS)("a. %s links every resource its adapters read, and runs with only what SST gives it", async (fn) => {
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

  it.each(LAMBDA_FUNCTIONS)("b. %s's role allows every action its adapters declare, on this app's resources", async (fn) => {
    // Arrange
    const arns = resourceArns(run);
    const policies = run.functions[fn]!.policies;
    // Act
    const decisions = await Promise.all(requiredActions(fn).map(async ({ action, resource }) => `${action} on ${resource}: ${await decide(policies, action, arns[resource])}`));
    // Assess
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.filter((d) => !d.endsWith(": Allowed"))).toEqual([]);
  });

  it.each(LAMBDA_FUNCTIONS)("b. %s may not delete, scan or reconfigure the table, the bucket or the stream", async (fn) => {
    // Arrange
    const arns = resourceArns(run);
    const policies = run.functions[fn]!.policies;
    // Act
    const allowed: string[] = [];
    for (const [action, on] of DESTRUCTIVE) if ((await decide(policies, action, arns[on])) === "Allowed") allowed.push(`${action} on ${on}`);
    // Assess
    expect(allowed).toEqual([]);
  });

  it.each(LAMBDA_FUNCTIONS)("b. %s's role allows no action beyond what its adapters declare", (fn) => {
    const declared = new Set(requiredActions(fn).map((a) => a.action));
    const granted = run.functions[fn]!.policies.flatMap((p) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));
    expect(granted.filter((action) => !declared.has(action))).toEqual([]);
  });

  it("b. grants audio objects only where the one-day lifecycle rule expires them (sessions/)", async () => {
    const { bucket } = resourceArns(run);
    expect(await decide(run.services.ConsumerService!.policies, "s3:PutObject", `${bucket}/sessions/s1/translated/es/000001.mp3`)).toBe("Allowed");
    expect(await decide(run.services.ConsumerService!.policies, "s3:PutObject", `${bucket}/kept-forever.mp3`)).toBe("ImplicitlyDenied");
  });

  it("b. denies what no adapter declares (the simulator is not allowing everything)", async () => {
    const arns = resourceArns(run);
    expect(await decide(run.functions.Connect!.policies, "kinesis:PutRecord", arns.stream)).toBe("ImplicitlyDenied");
    expect(await decide(run.functions.Http!.policies, "execute-api:ManageConnections", arns.wsConnections)).toBe("ImplicitlyDenied");
    // Nobody but the consumer may publish to listeners, and it only to this stage's session topics.
    for (const fn of ["Http", "Connect", "Message", "BroadcastAuthorizerHandler", "BroadcastPresenceHandler"] as const) {
      expect(await decide(run.functions[fn]!.policies, "iot:Publish", arns.broadcastTopic), fn).not.toBe("Allowed");
    }
    expect(await decide(run.services.ConsumerService!.policies, "iot:Publish", arns.broadcastTopic.replace("/livetranslate/test/", "/livetranslate/production/"))).toBe("ImplicitlyDenied");
    expect(await decide(run.services.ConsumerService!.policies, "dynamodb:PutItem", arns.table.replace(/table\/.+$/, "table/another"))).toBe("ImplicitlyDenied");
  });
});

describe("infra runs the stream consumer as one long-running service, and no Lambda reads the stream", () => {
  let run: SstRun;
  beforeAll(() => {
    run = sstRun();
    expect(run.error).toBeUndefined();
  }, scaledTimeout(120_000));

  it("defines exactly the services packages/functions composes: one task, stopped before its replacement starts", () => {
    expect(Object.keys(run.services).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(run.services.ConsumerService!.service).toMatchObject({
      desiredCount: 1,
      launchType: "FARGATE",
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 100,
      enableExecuteCommand: false,
      networkConfiguration: { assignPublicIp: true },
    });
  });

  it("builds its image from a Dockerfile that runs the service's entry, which exports main", async () => {
    const { image } = run.services.ConsumerService!;
    const dockerfile = String(image.dockerfile.location);
    expect(path.resolve(String(image.context.location))).toBe(root);
    const text = readFileSync(dockerfile, "utf8");
    // The command runs from the last WORKDIR, the functions package.
    const workdir = [...text.matchAll(/^WORKDIR \/app\/?(.*)$/gm)].at(-1)![1]!;
    expect(workdir).toBe("packages/functions");
    const entry = `src/handlers/${SERVICES.ConsumerService.entry}.ts`;
    expect(text).toContain(`CMD ["node", "--import", "tsx", "${entry}"]`);
    expect(existsSync(path.join(root, workdir, entry))).toBe(true);
    expect(typeof (await import(path.join(root, workdir, entry))).main).toBe("function");
  });

  it.each(SERVICE_NAMES)("a. %s links every resource its adapters read, and builds with only its container's environment", (name) => {
    // Arrange
    const service = run.services[name]!;
    expect(Object.keys(service.links)).toEqual(expect.arrayContaining([...linksNeeded(name)]));
    // Act
    const output = execFileSync(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "packages/functions/src/testing/service-composition.ts"), name], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", AWS_REGION: "eu-west-1", ...service.environment },
      encoding: "utf8",
    });
    // Assess
    expect(JSON.parse(output.trim().split("\n").at(-1)!)).toEqual({ built: true });
  }, scaledTimeout(60_000));

  it.each(SERVICE_NAMES)("b. %s's task role allows every action its adapters declare, on this app's resources, and nothing else", async (name) => {
    const arns = resourceArns(run);
    const { policies } = run.services[name]!;
    const decisions = await Promise.all(requiredActions(name).map(async ({ action, resource }) => `${action} on ${resource}: ${await decide(policies, action, arns[resource])}`));
    expect(decisions.filter((d) => !d.endsWith(": Allowed"))).toEqual([]);
    const declared = new Set(requiredActions(name).map((a) => a.action));
    const granted = policies.flatMap((p) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));
    // SST grants ECS Exec's channels to every service; the service turns ECS Exec off, so nothing can use them.
    expect(granted.filter((action) => !declared.has(action) && !action.startsWith("ssmmessages:"))).toEqual([]);
    for (const [action, on] of DESTRUCTIVE) expect(`${action} on ${on}: ${await decide(policies, action, arns[on])}`).not.toMatch(/Allowed$/);
  });

  it("reads the stream through its fan-out consumer and sends given-up batches to the failure queue", async () => {
    const arns = resourceArns(run);
    const { policies } = run.services.ConsumerService!;
    for (const action of ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"]) expect(await decide(policies, action, arns.streamConsumer), action).toBe("Allowed");
    expect(await decide(policies, "kinesis:ListShards", arns.stream)).toBe("Allowed");
    expect(await decide(policies, "sqs:SendMessage", arns.queue)).toBe("Allowed");
    // Not another consumer's subscriptions.
    expect(await decide(policies, "kinesis:SubscribeToShard", arns.streamConsumer.replace(/consumer\/[^:]+/, "consumer/another"))).toBe("ImplicitlyDenied");
  });

  it("has no event source mapping, and no function's role may read records off the stream", async () => {
    expect(run.resources.filter((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping")).toEqual([]);
    const arns = resourceArns(run);
    const reading: string[] = [];
    for (const fn of Object.values(run.functions)) {
      for (const [action, on] of STREAM_READS) if ((await decide(fn.policies, action, arns[on])) === "Allowed") reading.push(`${fn.name}: ${action}`);
    }
    expect(reading).toEqual([]);
  });
});
