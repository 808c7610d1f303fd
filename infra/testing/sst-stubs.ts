/**
 * Stand-ins for SST's globals (`$config`, `$app`, `$interpolate`, `sst.aws.*`, `aws.*`) that record every
 * resource and call, so `sst.config.ts` can be run and checked offline. Outputs are placeholder strings
 * naming where they come from ("Realtime.url").
 */
export interface Recorded {
  type: string;
  name: string;
  args: Record<string, any>;
  calls: { method: string; args: any[] }[];
}

export function installSstStubs(stage: string): Recorded[] {
  const resources: Recorded[] = [];

  function component(type: string) {
    return class {
      readonly record: Recorded;
      constructor(
        readonly name: string,
        args: Record<string, any> = {},
      ) {
        this.record = { type, name, args, calls: [] };
        resources.push(this.record);
      }
      private call(method: string, args: any[]) {
        this.record.calls.push({ method, args });
      }
      get url() {
        return `${this.name}.url`;
      }
      get arn() {
        return `${this.name}.arn`;
      }
      get id() {
        return `${this.name}.id`;
      }
      get managementEndpoint() {
        return `${this.name}.managementEndpoint`;
      }
      get dashboardName() {
        return `${this.name}.dashboardName`;
      }
      get nodes() {
        return {
          function: { name: `${this.name}.functionName` },
          queue: { name: `${this.name}.queueName` },
          role: { name: `${this.name}.roleName` },
        };
      }
      route(...args: any[]) {
        this.call("route", args);
      }
      subscribe(...args: any[]) {
        this.call("subscribe", args);
        return { name: `${this.name}.subscriber` };
      }
      addAuthorizer(args: any) {
        this.call("addAuthorizer", [args]);
        return { id: `${this.name}.authorizer.${args.name}` };
      }
      addClient(name: string, args: any = {}) {
        this.call("addClient", [name, args]);
        return { id: `${name}.id` };
      }
    };
  }
  const g = globalThis as Record<string, any>;
  g.$config = (config: unknown) => config;
  g.$app = { name: "livetranslate", stage };
  g.$interpolate = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values);
  g.$jsonStringify = (value: unknown) => JSON.stringify(value);
  g.sst = {
    aws: {
      Dynamo: component("sst.aws.Dynamo"),
      Bucket: component("sst.aws.Bucket"),
      KinesisStream: component("sst.aws.KinesisStream"),
      Queue: component("sst.aws.Queue"),
      Function: component("sst.aws.Function"),
      ApiGatewayWebSocket: component("sst.aws.ApiGatewayWebSocket"),
      ApiGatewayV2: component("sst.aws.ApiGatewayV2"),
      CognitoUserPool: component("sst.aws.CognitoUserPool"),
      StaticSite: component("sst.aws.StaticSite"),
    },
  };
  g.aws = {
    getRegionOutput: () => ({ name: "eu-west-1" }),
    s3: {
      BucketLifecycleConfigurationV2: component("aws.s3.BucketLifecycleConfigurationV2"),
      BucketCorsConfigurationV2: component("aws.s3.BucketCorsConfigurationV2"),
    },
    cloudwatch: { MetricAlarm: component("aws.cloudwatch.MetricAlarm"), Dashboard: component("aws.cloudwatch.Dashboard") },
  };
  return resources;
}
