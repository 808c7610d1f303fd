// The WebSocket API: $connect, $disconnect, $default, and one route per client action (same handler).
import { WS_ACTIONS } from "../packages/functions/src/deployment";
import { functionEnvironment, handler } from "./config";
import { table } from "./storage";
import { stream } from "./stream";

export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime");

const environment = functionEnvironment();
export const connect = new sst.aws.Function("Connect", { handler: handler("connect"), link: [table], memory: "512 MB", environment });
export const disconnect = new sst.aws.Function("Disconnect", { handler: handler("disconnect"), link: [table], memory: "512 MB", environment });
/** Audio chunks go straight into the stream: on the latency path, so it gets memory (= CPU). Answers errors and pongs itself. */
export const message = new sst.aws.Function("Message", { handler: handler("message"), link: [table, stream, realtime], memory: "1024 MB", environment });

realtime.route("$connect", connect.arn);
realtime.route("$disconnect", disconnect.arn);
realtime.route("$default", message.arn);
for (const action of WS_ACTIONS) realtime.route(action, message.arn);
