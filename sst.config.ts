/// <reference path="./.sst/platform/config.d.ts" />

// The AWS deployment: app() and run() only; each infra/*.ts file creates and exports its resources and
// links them by passing variables. Local mode (`pnpm start`) needs none of this.
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
    // Before any resource: links carry names and URLs only; each function is granted what its adapters declare.
    (await import("./infra/permissions")).linkNamesOnly();
    const { table, audio } = await import("./infra/storage");
    const { stream, consumerFailures } = await import("./infra/stream");
    const { realtime } = await import("./infra/realtime");
    const { broadcastEndpointAddress } = await import("./infra/broadcast");
    const { api } = await import("./infra/api");
    const { speakers, speakerClient } = await import("./infra/auth");
    await import("./infra/consumer");
    const { speakerSite, listenerSite } = await import("./infra/web");
    const { dashboard } = await import("./infra/monitoring");
    return {
      speaker: speakerSite.url,
      listener: listenerSite.url,
      api: api.url,
      websocket: realtime.url,
      broadcast: broadcastEndpointAddress,
      userPool: speakers.id,
      userPoolClient: speakerClient.id,
      table: table.name,
      bucket: audio.name,
      stream: stream.name,
      failures: consumerFailures.url,
      dashboard: dashboard.dashboardName,
    };
  },
});
