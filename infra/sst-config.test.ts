/**
 * sst.config.ts run with SST 4.17's real components under Pulumi's mocks (testing/sst-run.ts), once as `sst deploy`
 * of the production stage and once as `sst dev` of a developer's stage: what SST itself would create, checked.
 * (That each function's handler exists, and runs with what SST gives it, is contracts.test.ts's.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "../packages/testing/src/calibration.ts";
import { decide } from "./testing/iam-grants.ts";
import type { RecordedResource } from "./testing/pulumi-mocks.ts";
import { type SstRun, sstRun } from "./testing/sst-run.ts";

const FUNCTIONS = ["BroadcastAuthorizerHandler", "BroadcastPresenceHandler", "Connect", "Disconnect", "Http", "Message"];

const finder = (run: SstRun) => {
  const one = (type: string, name: string): RecordedResource => {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; of that type: ${run.resources.filter((r) => r.type === type).map((r) => r.name).join(", ") || "none"}`);
    return found;
  };
  const all = (type: string) => run.resources.filter((r) => r.type === type);
  return { one, all, inputs: (type: string, name: string) => one(type, name).inputs as Record<string, any> };
};

describe("sst deploy (stage production)", () => {
  let run: SstRun;
  let find: ReturnType<typeof finder>;
  beforeAll(() => {
    run = sstRun({ stage: "production" });
    find = finder(run);
  }, scaledTimeout(120_000));

  it("runs to the end with SST's own checks (unique component names: the Cognito client is not a second SpeakerApp)", () => {
    expect(run.error).toBeUndefined();
    expect(run.unhandled).toBeUndefined();
    const components = run.resources.filter((r) => !r.custom && r.type.startsWith("sst:aws:"));
    expect(new Set(components.map((c) => c.name)).size).toBe(components.length);
    expect(run.resources.length).toBeGreaterThan(100);
  });

  it("retains and protects production", () => {
    expect(run.app).toMatchObject({ name: "livetranslate", removal: "retain", protect: true });
  });

  it("has the table the entities need, with TTL", () => {
    expect(find.inputs("aws:dynamodb/table:Table", "SessionsTable")).toMatchObject({
      hashKey: "pk",
      rangeKey: "sk",
      globalSecondaryIndexes: [{ name: "gsi1", hashKey: "gsi1pk", rangeKey: "gsi1sk", projectionType: "ALL" }],
      ttl: { attributeName: "expiresAt", enabled: true },
    });
  });

  it("keeps audio in a private bucket for one day, readable cross-origin by the deployed listener app only", () => {
    const bucket = find.one("aws:s3/bucket:Bucket", "AudioBucket").outputs.bucket;
    expect(find.inputs("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "AudioPublicAccessBlock")).toMatchObject({ blockPublicAcls: true, restrictPublicBuckets: true });
    expect(find.inputs("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "AudioLifecycle")).toEqual({
      bucket,
      rules: [{ id: "expire-translated-audio", status: "Enabled", filter: { prefix: "sessions/" }, expiration: { days: 1 } }],
    });
    const listenerUrl = run.outputs.listener as string;
    expect(listenerUrl).toMatch(/^https:\/\/.+\.cloudfront\.net$/);
    expect(find.inputs("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "AudioCors")).toEqual({
      bucket,
      corsRules: [{ allowedOrigins: [listenerUrl], allowedMethods: ["GET", "HEAD"], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
    });
  });

  it("reads the stream through its enhanced fan-out consumer from one ConsumerService task, with the failure queue linked", () => {
    const stream = find.one("aws:kinesis/stream:Stream", "AudioStreamStream").outputs;
    const fanOut = find.one("aws:kinesis/streamConsumer:StreamConsumer", "AudioStreamFanOut");
    expect(fanOut.inputs.streamArn).toBe(stream.arn);
    expect(find.all("aws:lambda/eventSourceMapping:EventSourceMapping")).toEqual([]);
    const service = run.services.ConsumerService!;
    expect(service.service).toMatchObject({ desiredCount: 1, launchType: "FARGATE" });
    // The consumer reads the open segment back from the stream itself (replay) after a restart, so the stream is linked too.
    expect(service.links).toMatchObject({
      AudioStreamFanOut: { arn: fanOut.outputs.arn },
      ConsumerFailures: { url: find.one("aws:sqs/queue:Queue", "ConsumerFailuresQueue").outputs.url },
      AudioStream: { name: stream.name },
    });
    expect(Object.keys(service.links)).toEqual(expect.arrayContaining(["Sessions", "Audio", "Realtime", "BroadcastEndpoint", "App"]));
  });

  it("serves listeners by broadcast from IoT Core: a custom authorizer that IoT Core alone may invoke, its endpoint linked to the API and the Consumer", () => {
    const authorizer = find.inputs("aws:iot/authorizer:Authorizer", "BroadcastAuthorizer");
    expect(authorizer).toMatchObject({ authorizerFunctionArn: run.functions.BroadcastAuthorizerHandler!.arn, signingDisabled: true, status: "ACTIVE" });
    const permission = find.inputs("aws:lambda/permission:Permission", "BroadcastAuthorizerPermission");
    expect(permission).toMatchObject({ action: "lambda:InvokeFunction", principal: "iot.amazonaws.com", function: run.functions.BroadcastAuthorizerHandler!.arn });
    expect(permission.sourceArn).toBe(find.one("aws:iot/authorizer:Authorizer", "BroadcastAuthorizer").outputs.arn);
    for (const links of [run.functions.Http!.links, run.services.ConsumerService!.links]) {
      expect(links.BroadcastEndpoint).toMatchObject({ endpoint: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", authorizer: expect.any(String) });
    }
    expect(run.outputs.broadcast).toBe("a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
  });

  it("takes listeners' broker connect and disconnect events by a topic rule to the presence function, which IoT Core alone may invoke", () => {
    const rule = find.inputs("aws:iot/topicRule:TopicRule", "BroadcastPresenceRule");
    expect(rule).toMatchObject({
      enabled: true,
      sqlVersion: "2016-03-23",
      sql: "SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, 'lt-')",
      lambdas: [{ functionArn: run.functions.BroadcastPresenceHandler!.arn }],
    });
    const permission = find.inputs("aws:lambda/permission:Permission", "BroadcastPresencePermission");
    expect(permission).toMatchObject({ action: "lambda:InvokeFunction", principal: "iot.amazonaws.com", function: run.functions.BroadcastPresenceHandler!.arn });
    expect(permission.sourceArn).toBe(find.one("aws:iot/topicRule:TopicRule", "BroadcastPresenceRule").outputs.arn);
    // It re-admits a listener that connects again: the deployment's cap, as $connect has it.
    expect(run.functions.BroadcastPresenceHandler!.environment?.MAX_LISTENERS_PER_SESSION).toBe(run.functions.Connect!.environment?.MAX_LISTENERS_PER_SESSION);
  });

  it("routes the WebSocket API to the functions: $connect, $disconnect, $default and every client action", () => {
    const api = find.one("aws:apigatewayv2/api:Api", "RealtimeApi").outputs.id;
    const routes = find.all("aws:apigatewayv2/route:Route").filter((r) => r.inputs.apiId === api);
    const target = (route: RecordedResource) => {
      const integration = find.one("aws:apigatewayv2/integration:Integration", String(route.inputs.target).replace(/^integrations\/(.+)-id$/, "$1"));
      return Object.values(run.functions).find((fn) => String(integration.inputs.integrationUri).includes(`${fn.arn}/`))?.name;
    };
    expect(Object.fromEntries(routes.map((r) => [r.inputs.routeKey, target(r)]))).toEqual({
      $connect: "Connect",
      $disconnect: "Disconnect",
      $default: "Message",
      audioChunk: "Message",
      endSession: "Message",
      setLanguage: "Message",
      ping: "Message",
      chunkPosition: "Message",
    });
  });

  it("serves the HTTP API from the Http function, with the Cognito JWT authorizer on POST /sessions only", () => {
    const api = find.one("aws:apigatewayv2/api:Api", "ApiApi").outputs.id;
    const routes = find.all("aws:apigatewayv2/route:Route").filter((r) => r.inputs.apiId === api);
    const authorizer = find.all("aws:apigatewayv2/authorizer:Authorizer")[0]!;
    const pool = find.one("aws:cognito/userPool:UserPool", "SpeakersUserPool").outputs.id;
    expect(authorizer.inputs).toMatchObject({
      authorizerType: "JWT",
      jwtConfiguration: {
        issuer: `https://cognito-idp.eu-west-1.amazonaws.com/${pool}`,
        audiences: [find.one("aws:cognito/userPoolClient:UserPoolClient", "SpeakerAppClientClient").outputs.id],
      },
    });
    expect(Object.fromEntries(routes.map((r) => [r.inputs.routeKey, r.inputs.authorizationType]))).toEqual({
      "GET /health": "NONE",
      "GET /languages": "NONE",
      "GET /sessions/{sessionId}": "NONE",
      "GET /sessions/{sessionId}/transcript": "NONE",
      "POST /sessions": "JWT",
      "POST /listener-reports": "NONE",
      "POST /sessions/{sessionId}/listeners": "NONE",
      "PUT /sessions/{sessionId}/listeners/{listenerId}": "NONE",
      "DELETE /sessions/{sessionId}/listeners/{listenerId}": "NONE",
    });
    // The apps call it from another origin: each method passes the browser's preflight.
    expect(find.inputs("aws:apigatewayv2/api:Api", "ApiApi").corsConfiguration.allowMethods).toEqual(["GET", "POST", "PUT", "DELETE"]);
    for (const route of routes) {
      const integration = find.one("aws:apigatewayv2/integration:Integration", String(route.inputs.target).replace(/^integrations\/(.+)-id$/, "$1"));
      expect(integration.inputs.integrationUri).toBe(run.functions.Http!.arn);
    }
  });

  it("lets only administrators create speakers (no self sign-up on the public client id)", () => {
    expect(find.inputs("aws:cognito/userPool:UserPool", "SpeakersUserPool").adminCreateUserConfig).toEqual({ allowAdminCreateUserOnly: true });
    expect(find.inputs("aws:cognito/userPoolClient:UserPoolClient", "SpeakerAppClientClient").explicitAuthFlows).toEqual([
      "ALLOW_USER_PASSWORD_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
  });

  it("gives every function and the consumer service its stage's metrics namespace, the consumer its terminology setting, Connect its listener cap", () => {
    expect(Object.keys(run.functions).sort()).toEqual(FUNCTIONS);
    for (const fn of [...Object.values(run.functions), ...Object.values(run.services)]) {
      expect(fn.environment).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: "livetranslate/production", POWERTOOLS_SERVICE_NAME: "pipeline", SST_RESOURCE_App: JSON.stringify({ name: "livetranslate", stage: "production" }) });
    }
    expect(run.services.ConsumerService!.environment).toMatchObject({ TRANSLATE_TERMINOLOGY: "", TRANSCRIBE_VOCABULARIES: "", TRANSLATE_PARTS_IN_CONTEXT: "on" });
    expect(run.functions.Connect!.environment.MAX_LISTENERS_PER_SESSION).toBe("1000");
    // A join by broadcast meets the same cap as a $connect.
    expect(run.functions.Http!.environment.MAX_LISTENERS_PER_SESSION).toBe(run.functions.Connect!.environment.MAX_LISTENERS_PER_SESSION);
  });

  it("alarms on each function's error rate above 5 %, in metric math CloudWatch accepts and that is 0 without invocations", () => {
    const errorRates = find.all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.endsWith("ErrorRateAlarm"));
    expect(errorRates.map((a) => a.name).sort()).toEqual(FUNCTIONS.map((f) => `${f}ErrorRateAlarm`));
    for (const alarm of errorRates) {
      expect(alarm.inputs).toMatchObject({ threshold: 5, comparisonOperator: "GreaterThanThreshold" });
      expect((alarm.inputs.metricQueries as unknown[])[2]).toMatchObject({ id: "rate", expression: "IF(invocations > 0, 100 * errors / invocations, 0)", returnData: true });
    }
  });

  it("alarms on latency, consumer lag, a consumer task not running, the DLQ and listeners' download failures, all to one topic", () => {
    const alarms = find.all("aws:cloudwatch/metricAlarm:MetricAlarm");
    const topic = find.one("aws:sns/topic:Topic", "Alarms").outputs.arn;
    for (const alarm of alarms) expect(alarm.inputs, alarm.name).toMatchObject({ alarmActions: [topic], okActions: [topic] });
    expect(find.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "EndToEndLatencyAlarm")).toMatchObject({
      namespace: "livetranslate/production",
      metricName: "EndToEndLatency",
      dimensions: { service: "pipeline" },
      extendedStatistic: "p90",
      threshold: 5000,
    });
    const downloads = find.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "AudioDownloadFailuresAlarm");
    expect(downloads).toMatchObject({ threshold: 10, comparisonOperator: "GreaterThanThreshold" });
    expect(downloads.metricQueries).toEqual([
      { id: "failures", metric: { namespace: "livetranslate/production", metricName: "AudioDownloadFailures", dimensions: { service: "listener" }, period: 60, stat: "Sum" } },
      { id: "downloads", metric: { namespace: "livetranslate/production", metricName: "AudioDownloads", dimensions: { service: "listener" }, period: 60, stat: "Sum" } },
      { id: "rate", expression: "IF(downloads > 0, 100 * failures / downloads, 0)", label: "Download failures (%)", returnData: true },
    ]);
    expect(find.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "ConsumerIteratorAgeAlarm")).toMatchObject({
      namespace: "AWS/Kinesis",
      metricName: "SubscribeToShardEvent.MillisBehindLatest",
      dimensions: { StreamName: find.one("aws:kinesis/stream:Stream", "AudioStreamStream").outputs.name, ConsumerName: find.one("aws:kinesis/streamConsumer:StreamConsumer", "AudioStreamFanOut").outputs.name },
    });
    expect(find.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "ConsumerDownAlarm")).toMatchObject({
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: { ClusterName: find.one("aws:ecs/cluster:Cluster", "ConsumerClusterCluster").outputs.name, ServiceName: find.one("aws:ecs/service:Service", "ConsumerServiceService").outputs.name },
      statistic: "SampleCount",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
    expect(find.all("aws:sns/topicSubscription:TopicSubscription")).toEqual([]);
    const body = JSON.parse(find.inputs("aws:cloudwatch/dashboard:Dashboard", "Dashboard").dashboardBody);
    expect(JSON.stringify(body)).not.toContain('"livetranslate"');
  });

  it("throttles each API per route, stricter on the anonymous routes, with the limits infra/config.ts states", () => {
    const stage = (name: string) => find.inputs("aws:apigatewayv2/stage:Stage", name);
    expect(stage("ApiStage")).toMatchObject({
      defaultRouteSettings: { throttlingRateLimit: 100, throttlingBurstLimit: 200 },
      routeSettings: [
        { routeKey: "GET /sessions/{sessionId}", throttlingRateLimit: 50, throttlingBurstLimit: 100 },
        { routeKey: "POST /sessions", throttlingRateLimit: 5, throttlingBurstLimit: 10 },
        { routeKey: "POST /listener-reports", throttlingRateLimit: 50, throttlingBurstLimit: 100 },
      ],
    });
    expect(stage("RealtimeStage")).toMatchObject({
      defaultRouteSettings: { throttlingRateLimit: 1000, throttlingBurstLimit: 2000 },
      routeSettings: [{ routeKey: "$connect", throttlingRateLimit: 50, throttlingBurstLimit: 100 }],
    });
  });

  it("creates each stage after the routes its settings name (API Gateway refuses settings for a route it does not have)", () => {
    const created = (type: string, pick: (r: RecordedResource) => boolean) => run.resources.findIndex((r) => r.type === type && pick(r));
    for (const stageName of ["ApiStage", "RealtimeStage"]) {
      const stage = find.one("aws:apigatewayv2/stage:Stage", stageName);
      for (const { routeKey } of stage.inputs.routeSettings as { routeKey: string }[]) {
        const route = created("aws:apigatewayv2/route:Route", (r) => r.inputs.apiId === stage.inputs.apiId && r.inputs.routeKey === routeKey);
        expect(route, `${stageName} ${routeKey}`).toBeGreaterThanOrEqual(0);
        expect(route, `${stageName} ${routeKey}`).toBeLessThan(created("aws:apigatewayv2/stage:Stage", (r) => r.name === stageName));
      }
    }
  });

  it("reserves concurrency for the Message function, and for no other", () => {
    const reserved = Object.fromEntries(Object.values(run.functions).map((fn) => [fn.name, find.inputs("aws:lambda/function:Function", `${fn.name}Function`).reservedConcurrentExecutions]));
    expect(reserved).toEqual({ Connect: undefined, Disconnect: undefined, Http: undefined, Message: 50 });
  });

  it("keeps every function's and the consumer service's logs and both APIs' access logs (callers' addresses) one week", () => {
    const groups = find.all("aws:cloudwatch/logGroup:LogGroup");
    expect(groups.map((g) => g.name).sort()).toEqual(["ApiAccessLog", "RealtimeAccessLog", "ConsumerServiceLogGroupConsumerService", ...FUNCTIONS.map((f) => `${f}LogGroup`)].sort());
    for (const group of groups) expect(group.inputs.retentionInDays, group.name).toBe(7);
  });

  it("encrypts the speakers' audio stream at rest with the AWS managed key (no KMS grant needed by its producer and consumer)", () => {
    expect(find.inputs("aws:kinesis/stream:Stream", "AudioStreamStream")).toMatchObject({ encryptionType: "KMS", kmsKeyId: "alias/aws/kinesis" });
  });

  it("protects production's table from deletion, and keeps its point-in-time recovery one day, as long as its records", () => {
    expect(find.inputs("aws:dynamodb/table:Table", "SessionsTable")).toMatchObject({ deletionProtectionEnabled: true, pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 1 } });
  });

  it("builds both web apps with the API URLs and Cognito ids, and outputs the URLs a user needs", () => {
    const builder = (name: string) => find.inputs("command:local:Command", `${name}Builder`);
    expect(builder("SpeakerApp").environment).toEqual({
      VITE_BASE: "/",
      VITE_HTTP_URL: run.outputs.api,
      VITE_WS_URL: run.outputs.websocket,
      VITE_LISTENER_URL: `${run.outputs.listener}/`,
      VITE_COGNITO_REGION: "eu-west-1",
      VITE_COGNITO_USER_POOL_ID: run.outputs.userPool,
      VITE_COGNITO_CLIENT_ID: run.outputs.userPoolClient,
    });
    expect(builder("ListenerApp").environment).toEqual({ VITE_BASE: "/", VITE_HTTP_URL: run.outputs.api, VITE_WS_URL: run.outputs.websocket });
    expect(run.outputs).toMatchObject({ speaker: expect.stringMatching(/cloudfront\.net$/), api: expect.stringMatching(/^https:/), websocket: expect.stringMatching(/^wss:/) });
  });
});

describe("sst dev (a developer's stage, alarm e-mail and concurrency set)", () => {
  let run: SstRun;
  let find: ReturnType<typeof finder>;
  beforeAll(() => {
    run = sstRun({
      stage: "alice",
      dev: true,
      env: { LIVETRANSLATE_ALARM_EMAIL: "oncall@example.org", LIVETRANSLATE_MESSAGE_CONCURRENCY: "5" },
    });
    find = finder(run);
  }, scaledTimeout(120_000));

  const devOutputs = (site: string) => {
    const entry = Object.entries(run.componentOutputs).find(([urn]) => urn.endsWith(`sst:aws:StaticSite::${site}`));
    return entry?.[1] as { _dev: { command: string; directory: string; environment: Record<string, string> }; _metadata: { url: string } };
  };

  it("runs each app's vite dev server on its own fixed port, the speaker app told the listener app's URL", () => {
    expect(run.error).toBeUndefined();
    expect(run.unhandled).toBeUndefined();
    expect(run.app).toMatchObject({ removal: "remove", protect: false });
    expect(find.all("aws:cloudfront/distribution:Distribution")).toEqual([]);
    const speaker = devOutputs("SpeakerApp");
    const listener = devOutputs("ListenerApp");
    expect(speaker._dev).toMatchObject({ command: "pnpm exec vite --port 5173 --strictPort", directory: "packages/web-speaker" });
    expect(listener._dev).toMatchObject({ command: "pnpm exec vite --port 5174 --strictPort", directory: "packages/web-listener" });
    expect(run.outputs).toMatchObject({ speaker: "http://localhost:5173", listener: "http://localhost:5174" });
    expect(speaker._dev.environment.VITE_LISTENER_URL).toBe("http://localhost:5174/");
  });

  it("reserves the concurrency the stage's settings ask for", () => {
    expect(find.inputs("aws:lambda/function:Function", "MessageFunction").reservedConcurrentExecutions).toBe(5);
  });

  it("lets a developer's stage delete its table", () => {
    expect(find.inputs("aws:dynamodb/table:Table", "SessionsTable").deletionProtectionEnabled).toBe(false);
  });

  it("lets the listener app's dev origin, and only it, fetch the audio cross-origin", () => {
    expect(find.inputs("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "AudioCors").corsRules[0].allowedOrigins).toEqual(["http://localhost:5174"]);
  });

  it("publishes this stage's metrics apart from production's, and e-mails alarms when asked", () => {
    for (const fn of Object.values(run.functions)) expect(fn.environment.POWERTOOLS_METRICS_NAMESPACE).toBe("livetranslate/alice");
    expect(find.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "EndToEndLatencyAlarm").namespace).toBe("livetranslate/alice");
    expect(find.inputs("aws:sns/topicSubscription:TopicSubscription", "AlarmEmail")).toEqual({
      topic: find.one("aws:sns/topic:Topic", "Alarms").outputs.arn,
      protocol: "email",
      endpoint: "oncall@example.org",
    });
  });
});
