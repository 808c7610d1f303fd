// The WebSocket API: $connect, $disconnect, $default, and one route per client action (same handler).
import { WS_ACTIONS } from "../packages/functions/src/deployment";
import { speakers } from "./auth";
import { config, functionEnvironment, handler, reservedConcurrency } from "./config";
import { grants } from "./permissions";
import { table } from "./storage";
import { stream } from "./stream";
import { stageThrottling } from "./throttling";

const throttling = stageThrottling(config.throttle.websocket);

export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime", {
  accessLog: { retention: config.logRetention },
  transform: { stage: throttling.stage },
});

const common = { environment: functionEnvironment(), logging: { retention: config.logRetention } };
export const connect = new sst.aws.Function("Connect", {
  handler: handler("connect"),
  link: [table, speakers],
  permissions: grants("Connect", { table, speakers }),
  memory: "512 MB",
  ...common,
  environment: { ...common.environment, MAX_LISTENERS_PER_SESSION: String(config.maxListenersPerSession) },
});
export const disconnect = new sst.aws.Function("Disconnect", {
  handler: handler("disconnect"),
  link: [table],
  permissions: grants("Disconnect", { table }),
  memory: "512 MB",
  ...common,
});
/**
 * Audio chunks go straight into the stream: on the latency path, so it gets memory (= CPU) and reserved concurrency.
 * Answers errors and pongs itself.
 */
export const message = new sst.aws.Function("Message", {
  handler: handler("message"),
  link: [table, stream, realtime, speakers],
  permissions: grants("Message", { table, stream, realtime, speakers }),
  memory: "1024 MB",
  concurrency: reservedConcurrency(config.reservedConcurrency.Message),
  ...common,
});

// Only $connect is throttled apart (the Message function's routes would wait for the stage their function links).
throttling.routesCreated([realtime.route("$connect", connect.arn)]);
realtime.route("$disconnect", disconnect.arn);
realtime.route("$default", message.arn);
for (const action of WS_ACTIONS) realtime.route(action, message.arn);
