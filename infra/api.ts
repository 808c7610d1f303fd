// The HTTP API (one hono function): health, languages, sessions, listener reports. Creating a session needs a
// signed-in speaker. The routes and who may call them are defined with the handlers (packages/functions).
import { HTTP_ROUTES } from "../packages/functions/src/deployment";
import { speakerClient, speakers } from "./auth";
import { broadcastEndpoint } from "./broadcast";
import { config, functionEnvironment, handler } from "./config";
import { grants } from "./permissions";
import { table } from "./storage";
import { stageThrottling } from "./throttling";

export const httpFunction = new sst.aws.Function("Http", {
  handler: handler("http"),
  // The broker's endpoint, handed to listeners with their pass (no publish grant).
  link: [table, broadcastEndpoint],
  permissions: grants("Http", { table }),
  memory: "512 MB",
  logging: { retention: config.logRetention },
  // A broadcast listener's join is admitted under the deployment's cap, as $connect admits one.
  environment: { ...functionEnvironment(), MAX_LISTENERS_PER_SESSION: String(config.maxListenersPerSession) },
});

const throttling = stageThrottling(config.throttle.http);

export const api = new sst.aws.ApiGatewayV2("Api", {
  // The web apps are served from another origin: every method a route uses must pass the browser's preflight.
  cors: { allowOrigins: ["*"], allowMethods: [...new Set(HTTP_ROUTES.map(({ route }) => route.split(" ")[0] as "GET" | "POST" | "PUT" | "DELETE"))], allowHeaders: ["content-type", "authorization"] },
  accessLog: { retention: config.logRetention },
  transform: { stage: throttling.stage },
});

export const speakerAuthorizer = api.addAuthorizer({
  name: "speakers",
  jwt: {
    issuer: $interpolate`https://cognito-idp.${aws.getRegionOutput().name}.amazonaws.com/${speakers.id}`,
    audiences: [speakerClient.id],
  },
});

const routes = HTTP_ROUTES.map(({ route, auth }) =>
  api.route(route, httpFunction.arn, auth === "speaker" ? { auth: { jwt: { authorizer: speakerAuthorizer.id } } } : undefined),
);
throttling.routesCreated(routes);
