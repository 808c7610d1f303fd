// The two web apps as static sites, told where the APIs and Cognito are; and the bucket's CORS for the listener app.
import { api } from "./api";
import { speakerClient, speakers } from "./auth";
import { realtime } from "./realtime";
import { audio } from "./storage";

export const listenerSite = new sst.aws.StaticSite("ListenerApp", {
  path: "packages/web-listener",
  build: { command: "pnpm run build", output: "dist" },
  environment: { VITE_BASE: "/", VITE_HTTP_URL: api.url, VITE_WS_URL: realtime.url },
});

export const speakerSite = new sst.aws.StaticSite("SpeakerApp", {
  path: "packages/web-speaker",
  build: { command: "pnpm run build", output: "dist" },
  environment: {
    VITE_BASE: "/",
    VITE_HTTP_URL: api.url,
    VITE_WS_URL: realtime.url,
    VITE_LISTENER_URL: $interpolate`${listenerSite.url}/`,
    VITE_COGNITO_REGION: aws.getRegionOutput().name,
    VITE_COGNITO_USER_POOL_ID: speakers.id,
    VITE_COGNITO_CLIENT_ID: speakerClient.id,
  },
});

/** Listeners' browsers fetch the presigned audio URLs from the listener app's origin. */
export const audioCors = new aws.s3.BucketCorsConfigurationV2("AudioCors", {
  bucket: audio.name,
  corsRules: [{ allowedOrigins: [listenerSite.url], allowedMethods: ["GET", "HEAD"], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
});
