/* The resources `sst.config.ts` links to the functions (SST regenerates this file on `sst dev` / `sst deploy`). */
import "sst";
declare module "sst" {
  export interface Resource {
    Sessions: { name: string; type: "sst.aws.Dynamo" };
    AudioStream: { name: string; type: "sst.aws.KinesisStream" };
    AudioStreamFanOut: { arn: string; type: "sst.sst.Linkable" };
    ConsumerFailures: { url: string; type: "sst.aws.Queue" };
    Audio: { name: string; type: "sst.aws.Bucket" };
    Realtime: { url: string; managementEndpoint: string; type: "sst.aws.ApiGatewayWebSocket" };
    BroadcastEndpoint: { endpoint: string; authorizer: string; type: "sst.sst.Linkable" };
    Speakers: { id: string; type: "sst.aws.CognitoUserPool" };
  }
}
export {};
