/** A listener by broadcast for tests and benchmarks: joins for a pass, then MQTT over WebSockets, as the listener app does. */
import { type ListenerPass, ServerMessage } from "@livetranslate/core/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { ReceivedMessages } from "./client.ts";

export class BroadcastClient extends ReceivedMessages {
  private constructor(
    readonly pass: ListenerPass,
    private readonly client: MqttClient,
  ) {
    super();
    client.on("message", (_topic, payload) => {
      const parsed = ServerMessage.safeParse(JSON.parse(payload.toString()));
      if (parsed.success) this.receive(parsed.data);
    });
  }

  /** Joins `sessionId` in `language` through the HTTP API at `httpUrl`, connects to the broker and subscribes. */
  static async join(httpUrl: string, sessionId: string, language: string): Promise<BroadcastClient> {
    const response = await fetch(`${httpUrl}/sessions/${encodeURIComponent(sessionId)}/listeners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ language }),
    });
    if (response.status !== 201) throw new Error(`joining ${sessionId} by broadcast answered ${response.status}: ${await response.text()}`);
    const pass = (await response.json()) as ListenerPass;
    const client = await mqtt.connectAsync(pass.broker.url, { clientId: pass.broker.clientId, username: "listener", password: pass.token, reconnectPeriod: 0 });
    const listener = new BroadcastClient(pass, client);
    await client.subscribeAsync(pass.broker.topic, { qos: 1 });
    return listener;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
