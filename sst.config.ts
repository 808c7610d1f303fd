/// <reference path="./.sst/platform/config.d.ts" />

// The AWS deployment. Only app() and run() live here; run() imports infra/*.ts, each exporting its
// resources. The resources themselves (table, stream, bucket, APIs, Cognito, sites, alarms) land with
// the AWS issue; local mode (`pnpm start`) needs none of this.
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "livetranslate",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    const { outputs } = await import("./infra/index");
    return outputs;
  },
});
