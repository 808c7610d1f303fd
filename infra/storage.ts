// Sessions and connections (one DynamoDB table for the ElectroDB entities) and the translated audio bucket.
import { AUDIO_PREFIX } from "./permissions";

/**
 * pk/sk for every entity, gsi1 for a session's connections; records expire by TTL on `expiresAt`. Point-in-time
 * recovery keeps one day, as long as the records themselves; a protected stage's table cannot be deleted.
 */
export const table = new sst.aws.Dynamo("Sessions", {
  fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: { gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" } },
  ttl: "expiresAt",
  transform: {
    table: (args) => {
      args.deletionProtectionEnabled = $app.protect;
      args.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 1 };
    },
  },
});

/** Private: listeners fetch through presigned URLs only. CORS for the listener app is set in web.ts, once its URL exists. */
export const audio = new sst.aws.Bucket("Audio", { cors: false });

/** No recording: translated audio is deleted one day after it was written. */
export const audioLifecycle = new aws.s3.BucketLifecycleConfiguration("AudioLifecycle", {
  bucket: audio.name,
  rules: [{ id: "expire-translated-audio", status: "Enabled", filter: { prefix: AUDIO_PREFIX }, expiration: { days: 1 } }],
});
