/**
 * The listener's feed by broadcast: join for a pass (HTTP), then MQTT over WebSockets to the broker (AWS IoT Core;
 * locally an embedded broker), subscribed to the session's language. Each part arrives as one `part` message, published
 * once for everyone listening to that language. The listener counts (and its language is voiced) while its broker
 * connection is up, as the broker tells the server; the pass is renewed every `heartbeatSeconds` to keep its token
 * valid, and a renewal the server refuses (the pass lapsed while the device slept) means joining again. The client
 * reconnects by itself with capped backoff.
 */
import type { SocketState } from "@livetranslate/core/client";
import { type ListenerPass, ServerMessage } from "@livetranslate/core/protocol";
import mqtt, { type MqttClient } from "mqtt";

export interface BroadcastFeedOptions {
  http: string;
  sessionId: string;
  language: string;
  /** A private session's join key, as the link or the listener gave it. */
  key?: string;
  onMessage(message: ServerMessage): void;
  onState(state: SocketState): void;
  /**
   * The session ended (a renewal said so, or joining again found it gone: the server answers an ended session as one
   * that does not exist): for a listener that missed `sessionEnded`.
   */
  onEnded(): void;
  /** Where the page was loaded from: a broker on this machine's loopback is reached by the page's host instead. */
  pageHost: string;
  fetch?: typeof fetch;
}

/** Thrown when the server offers no broadcast (an older server): the app listens over its WebSocket instead. */
export class BroadcastUnavailableError extends Error {
  override readonly name = "BroadcastUnavailableError";
}

/**
 * The broker's URL as this page can reach it: local mode names its loopback address, which a phone on the same
 * network reaches as the page's own host.
 */
export function reachableBrokerUrl(url: string, pageHost: string): string {
  const broker = new URL(url);
  const page = pageHost.split(":")[0] ?? "";
  const loopback = ["localhost", "127.0.0.1", "[::1]"];
  if (loopback.includes(broker.hostname) && page && !loopback.includes(page)) broker.hostname = page;
  return broker.toString();
}

/** While the broker cannot be reached, the pass is renewed at most this often (besides the heartbeat). */
const RENEW_ON_OFFLINE_MS = 5_000;

export class BroadcastFeed {
  private client?: MqttClient;
  private pass?: ListenerPass;
  private heartbeat?: ReturnType<typeof setInterval>;
  private closed = false;
  private renewedAt = 0;
  /** The language change under way, if any (they run one at a time). */
  private changing: Promise<void> = Promise.resolve();
  private language: string;
  private readonly fetch: typeof fetch;

  private constructor(private readonly options: BroadcastFeedOptions) {
    this.language = options.language;
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
  }

  /** Joins and connects; rejects with `BroadcastUnavailableError` when the server has no broadcast. */
  static async open(options: BroadcastFeedOptions): Promise<BroadcastFeed> {
    const feed = new BroadcastFeed(options);
    options.onState("connecting");
    await feed.join();
    return feed;
  }

  /**
   * Listens to another language: the pass is renewed in it and the subscription moves. Changes run one after the
   * other, and one already overtaken by a later choice is skipped: quick changes (es, fr, es) end on the last one.
   */
  setLanguage(language: string): Promise<void> {
    this.language = language;
    const change = this.changing.then(() => this.moveTo(language));
    this.changing = change.catch(() => undefined);
    return change;
  }

  private async moveTo(language: string): Promise<void> {
    if (language !== this.language || this.closed) return;
    const previous = this.pass?.broker.topic;
    await this.renew();
    if (previous && previous !== this.pass?.broker.topic) this.client?.unsubscribe(previous);
    if (this.pass && this.client?.connected) this.client.subscribe(this.pass.broker.topic, { qos: 1 });
  }

  /** Stops listening; the server is told, so the listener's place in the session goes at once (not when its presence lapses). */
  close(): void {
    if (!this.closed && this.pass) {
      const { sessionId, listenerId, token } = this.pass;
      const url = `${this.options.http}/sessions/${encodeURIComponent(sessionId)}/listeners/${encodeURIComponent(listenerId)}`;
      // `keepalive`: the request outlives a page that is closing.
      void this.fetch(url, { method: "DELETE", headers: { authorization: `Bearer ${token}` }, keepalive: true }).catch(() => undefined);
    }
    this.closed = true;
    clearInterval(this.heartbeat);
    this.client?.end(true);
    this.options.onState("closed");
  }

  private async join(): Promise<void> {
    const response = await this.fetch(`${this.options.http}/sessions/${encodeURIComponent(this.options.sessionId)}/listeners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ language: this.language, ...(this.options.key ? { key: this.options.key } : {}) }),
    });
    const refusal = response.ok ? undefined : await errorOf(response);
    // Missing, ended, or private without this key: one answer. The app asked for the session a moment ago.
    if (refusal?.code === "session_not_found") return this.options.onEnded();
    if (response.status === 404 || response.status === 405) throw new BroadcastUnavailableError("this server offers no broadcast");
    if (refusal) throw new Error(refusal.message ?? `joining failed (HTTP ${response.status})`);
    this.connect((await response.json()) as ListenerPass);
  }

  private connect(pass: ListenerPass): void {
    this.pass = pass;
    this.client?.end(true);
    const client = mqtt.connect(reachableBrokerUrl(pass.broker.url, this.options.pageHost), {
      clientId: pass.broker.clientId,
      username: "listener",
      password: pass.token,
      keepalive: 30,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      // A fresh session each time: the subscription is made again on every connect.
      clean: true,
    });
    this.client = client;
    client.on("connect", () => {
      this.options.onState("open");
      if (this.pass) client.subscribe(this.pass.broker.topic, { qos: 1 });
    });
    // Each failed attempt to connect again closes too. The pass may have lapsed, or the broker moved (local mode
    // restarted on another port): renewing says which. Asked again after each failed attempt (at most every few
    // seconds), since the first renewal may come while the server itself is still down.
    client.on("close", () => {
      if (this.closed || this.client !== client) return;
      this.options.onState("reconnecting");
      if (Date.now() - this.renewedAt >= RENEW_ON_OFFLINE_MS) void this.renew().catch(() => undefined);
    });
    client.on("message", (_topic, payload) => {
      const parsed = ServerMessage.safeParse(safeJson(new TextDecoder().decode(payload)));
      // A message this client does not know (a newer server) is ignored, as the protocol allows.
      if (parsed.success) this.options.onMessage(parsed.data);
    });
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), pass.heartbeatSeconds * 1000);
  }

  /** Renews the pass; refused (it lapsed), joins again with a new one. Offline, the next heartbeat tries again. */
  private async renew(): Promise<void> {
    const pass = this.pass;
    if (!pass || this.closed) return;
    this.renewedAt = Date.now();
    const response = await this.fetch(
      `${this.options.http}/sessions/${encodeURIComponent(pass.sessionId)}/listeners/${encodeURIComponent(pass.listenerId)}`,
      {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${pass.token}` },
        body: JSON.stringify({ language: this.language }),
      },
    );
    if (response.status === 403) return this.join();
    if (response.status === 409) return this.options.onEnded();
    if (!response.ok) return;
    const renewed = (await response.json()) as ListenerPass;
    // The broker moved (local mode restarted on another port): connect there.
    if (renewed.broker.url !== pass.broker.url) this.connect(renewed);
    else this.pass = renewed;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error a refusal carries (`ErrorBody`), if its body is one. */
async function errorOf(response: Response): Promise<{ code?: string; message?: string }> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const error = body?.error;
  return { code: typeof error?.code === "string" ? error.code : undefined, message: typeof error?.message === "string" ? error.message : undefined };
}
