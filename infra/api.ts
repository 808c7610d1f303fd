// The HTTP API (one hono function): health, languages, sessions, listener reports. Creating a session needs a
// signed-in speaker. The routes and who may call them are defined with the handlers (packages/functions).
import { HTTP_ROUTES } from "../packages/functions/src/deployment";
import { speakerClient, speakers } from "./auth";
import { broadcastEndpoint } from "./broadcast";
import { functionEnvironment, handler } from "./config";
import { table } from "./storage";

export const httpFunction = new sst.aws.Function("Http", {
  handler: handler("http"),
  // The broker's endpoint, handed to listeners with their pass (no publish grant).
  link: [table, broadcastEndpoint],
  memory: "512 MB",
  environment: functionEnvironment(),
});

export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: { allowOrigins: ["*"], allowMethods: ["GET", "POST", "PUT"], allowHeaders: ["content-type", "authorization"] },
});

export const speakerAuthorizer = api.addAuthorizer({
  name: "speakers",
  jwt: {
    issuer: $interpolate`https://cognito-idp.${aws.getRegionOutput().name}.amazonaws.com/${speakers.id}`,
    audiences: [speakerClient.id],
  },
});

for (const { route, auth } of HTTP_ROUTES) {
  api.route(route, httpFunction.arn, auth === "speaker" ? { auth: { jwt: { authorizer: speakerAuthorizer.id } } } : undefined);
}
