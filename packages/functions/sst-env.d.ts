/* The resources `sst.config.ts` links to the functions (SST regenerates this file on `sst dev` / `sst deploy`). */
import "sst";
declare module "sst" {
  export interface Resource {
    Sessions: { name: string; type: "sst.aws.Dynamo" };
    AudioStream: { name: string; type: "sst.aws.KinesisStream" };
    Audio: { name: string; type: "sst.aws.Bucket" };
    Realtime: { url: string; managementEndpoint: string; type: "sst.aws.ApiGatewayWebSocket" };
    Speakers: { id: string; type: "sst.aws.CognitoUserPool" };
  }
}
export {};
