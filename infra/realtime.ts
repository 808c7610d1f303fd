// The WebSocket API: $connect, $disconnect, $default, and one route per client action (same handler).
import { handler } from "./config";
import { table } from "./storage";
import { stream } from "./stream";

export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime");

export const connect = new sst.aws.Function("Connect", { handler: handler("connect"), link: [table], memory: "512 MB" });
export const disconnect = new sst.aws.Function("Disconnect", { handler: handler("disconnect"), link: [table], memory: "512 MB" });
/** Audio chunks go straight into the stream: on the latency path, so it gets memory (= CPU). Answers errors and pongs itself. */
export const message = new sst.aws.Function("Message", { handler: handler("message"), link: [table, stream, realtime], memory: "1024 MB" });

export const ACTIONS = ["audioChunk", "endSession", "setLanguage", "ping"];

realtime.route("$connect", connect.arn);
realtime.route("$disconnect", disconnect.arn);
realtime.route("$default", message.arn);
for (const action of ACTIONS) realtime.route(action, message.arn);
