/** A listener by broadcast for tests and benchmarks: joins for a pass, then MQTT over WebSockets, as the listener app does. */
import { type ListenerPass, messagesIn, ServerMessage } from "@livetranslate/core/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { ReceivedMessages } from "./client.ts";

export class BroadcastClient extends ReceivedMessages {
  private renewal?: ReturnType<typeof setInterval>;

  private constructor(
    private readonly httpUrl: string,
    readonly pass: ListenerPass,
    private readonly client: MqttClient,
  ) {
    super();
    client.on("message", (_topic, payload) => {
      const parsed = ServerMessage.safeParse(JSON.parse(payload.toString()));
      // A part carried by a later message (under IoT Core's publish quota) is received as the listener app shows it.
      if (parsed.success) for (const message of messagesIn(parsed.data)) this.receive(message);
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
    const listener = new BroadcastClient(httpUrl, pass, client);
    await client.subscribeAsync(pass.broker.topic, { qos: 1 });
    return listener;
  }

  /** Renews the pass every heartbeat, as the listener app does while it listens: the listener stays present. */
  keepPresent(): void {
    this.renewal ??= setInterval(() => void this.listenerRequest("PUT", "{}").catch(() => undefined), this.pass.heartbeatSeconds * 1000);
    this.renewal.unref();
  }

  /** Stops listening as the listener app does: the server is told, so the listener's place goes at once. */
  async leave(): Promise<void> {
    await this.close();
    const response = await this.listenerRequest("DELETE");
    if (response.status !== 204) throw new Error(`leaving ${this.pass.sessionId} answered ${response.status}: ${await response.text()}`);
  }

  async close(): Promise<void> {
    clearInterval(this.renewal);
    await this.client.endAsync(true);
  }

  private listenerRequest(method: "PUT" | "DELETE", body?: string): Promise<Response> {
    return fetch(`${this.httpUrl}/sessions/${encodeURIComponent(this.pass.sessionId)}/listeners/${encodeURIComponent(this.pass.listenerId)}`, {
      method,
      headers: { authorization: `Bearer ${this.pass.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body,
    });
  }
}
