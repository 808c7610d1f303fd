// Listeners by broadcast: AWS IoT Core's message broker, MQTT over WebSockets, with a custom authorizer. The consumer
// publishes each part once per language to `livetranslate/<stage>/session/<id>/<language>`; a listener connects with
// the pass the HTTP API gave it and may only subscribe to its session's topics. Pulumi's IoT resources rather than
// SST's Realtime component: that one grants its authorizer iot:* and every linked function iot:Publish on every topic.
import { config, functionEnvironment, handler } from "./config";
import { grants } from "./permissions";
import { table } from "./storage";

/** Checks a listener's pass (a record in the table) and answers the policy of its session's topics. */
export const broadcastAuthorizer = new sst.aws.Function("BroadcastAuthorizerHandler", {
  handler: handler("broadcast-authorizer"),
  link: [table],
  permissions: grants("BroadcastAuthorizerHandler", { table }),
  memory: "512 MB",
  logging: { retention: config.logRetention },
  environment: functionEnvironment(),
});

export const listenerAuthorizer = new aws.iot.Authorizer("BroadcastAuthorizer", {
  authorizerFunctionArn: broadcastAuthorizer.arn,
  // The pass is the MQTT password; there is no token signature to verify.
  signingDisabled: true,
  status: "ACTIVE",
});

export const authorizerPermission = new aws.lambda.Permission("BroadcastAuthorizerPermission", {
  action: "lambda:InvokeFunction",
  function: broadcastAuthorizer.arn,
  principal: "iot.amazonaws.com",
  sourceArn: listenerAuthorizer.arn,
});

/** The account's one IoT data endpoint (every stage shares it: topics carry the stage). */
export const broadcastEndpointAddress = aws.iot.getEndpointOutput({ endpointType: "iot:Data-ATS" }).endpointAddress;

/** What the functions read of the broker: its endpoint and its authorizer's name; no grant comes with it. */
export const broadcastEndpoint = new sst.Linkable("BroadcastEndpoint", {
  properties: { endpoint: broadcastEndpointAddress, authorizer: listenerAuthorizer.name },
});

/** The topics the consumer publishes to: this stage's sessions only. */
export const sessionTopics = $interpolate`arn:${aws.getPartitionOutput().partition}:iot:${aws.getRegionOutput().name}:${aws.getCallerIdentityOutput().accountId}:topic/livetranslate/${$app.stage}/session/*`;

/**
 * Listeners' presence from the broker's lifecycle events: connected and disconnected, of every client of the
 * account's endpoint (events carry no stage); the handler ignores clients that are not listeners and passes it
 * does not hold. It admits a listener that connects again, so it knows the session cap.
 */
export const broadcastPresence = new sst.aws.Function("BroadcastPresenceHandler", {
  handler: handler("broadcast-presence"),
  link: [table],
  permissions: grants("BroadcastPresenceHandler", { table }),
  memory: "512 MB",
  logging: { retention: config.logRetention },
  environment: { ...functionEnvironment(), MAX_LISTENERS_PER_SESSION: String(config.maxListenersPerSession) },
});

export const presenceRule = new aws.iot.TopicRule("BroadcastPresenceRule", {
  enabled: true,
  sqlVersion: "2016-03-23",
  // Listeners' client ids start with lt- (broadcastClientId); the rest of the account's clients never reach the function.
  sql: "SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, 'lt-')",
  lambdas: [{ functionArn: broadcastPresence.arn }],
});

export const presencePermission = new aws.lambda.Permission("BroadcastPresencePermission", {
  action: "lambda:InvokeFunction",
  function: broadcastPresence.arn,
  principal: "iot.amazonaws.com",
  sourceArn: presenceRule.arn,
});
