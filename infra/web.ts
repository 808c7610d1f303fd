// The two web apps as static sites, told where the APIs and Cognito are; and the bucket's CORS for the listener app.
// In `sst dev` nothing is deployed for them: SST runs each app's vite dev server, on fixed ports so each app's URL is
// known before it starts (the speaker app's join links and QR code point at the listener app).
import { api } from "./api";
import { speakerClient, speakers } from "./auth";
import { config } from "./config";
import { realtime } from "./realtime";
import { audio } from "./storage";

const devServer = (port: number) => ({ command: `pnpm exec vite --port ${port} --strictPort`, url: `http://localhost:${port}` });

export const listenerSite = new sst.aws.StaticSite("ListenerApp", {
  path: "packages/web-listener",
  build: { command: "pnpm run build", output: "dist" },
  dev: devServer(config.devPorts.listener),
  environment: { VITE_BASE: "/", VITE_HTTP_URL: api.url, VITE_WS_URL: realtime.url },
});

export const speakerSite = new sst.aws.StaticSite("SpeakerApp", {
  path: "packages/web-speaker",
  build: { command: "pnpm run build", output: "dist" },
  dev: devServer(config.devPorts.speaker),
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

/**
 * Listeners' browsers fetch the presigned audio URLs from the listener app's origin: its CloudFront URL when
 * deployed, its dev server in `sst dev` (the site's URL is that one there), never both.
 */
export const audioCors = new aws.s3.BucketCorsConfiguration("AudioCors", {
  bucket: audio.name,
  corsRules: [{ allowedOrigins: [listenerSite.url], allowedMethods: ["GET", "HEAD"], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
});
