// The HTTP API (one hono function): health, languages, sessions. Creating a session needs a signed-in speaker.
import { speakerClient, speakers } from "./auth";
import { handler } from "./config";
import { table } from "./storage";

export const httpFunction = new sst.aws.Function("Http", { handler: handler("http"), link: [table], memory: "512 MB" });

export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: { allowOrigins: ["*"], allowMethods: ["GET", "POST"], allowHeaders: ["content-type", "authorization"] },
});

export const speakerAuthorizer = api.addAuthorizer({
  name: "speakers",
  jwt: {
    issuer: $interpolate`https://cognito-idp.${aws.getRegionOutput().name}.amazonaws.com/${speakers.id}`,
    audiences: [speakerClient.id],
  },
});

api.route("GET /health", httpFunction.arn);
api.route("GET /languages", httpFunction.arn);
api.route("GET /sessions/{sessionId}", httpFunction.arn);
api.route("POST /sessions", httpFunction.arn, { auth: { jwt: { authorizer: speakerAuthorizer.id } } });
