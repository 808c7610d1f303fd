/**
 * The AWS stand-ins local mode runs in-process on 127.0.0.1: DynamoDB (dynalite), Kinesis (kinesalite),
 * S3 (s3rver), the set-up that infra does in AWS (`ensureStream`, `ensureBucket`), and the S3 lifecycle
 * rule's stand-in (`sweepExpiredObjects`).
 *
 * The stand-ins themselves live in core, because core's adapter and entity tests run against them and core
 * cannot depend on this package; this module is local mode's one place to get them.
 */
export {
  ensureBucket,
  ensureStream,
  type StandIn,
  type StandInOptions,
  startDynalite,
  startKinesalite,
  startS3rver,
} from "@livetranslate/core/adapters/standins";
export { sweepExpiredObjects } from "../expiry.ts";
