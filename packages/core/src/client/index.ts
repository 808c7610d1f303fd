/**
 * The browser side of the protocol, shared by the speaker and listener apps: where the backend is, and
 * a WebSocket that reconnects with capped exponential backoff, keeps itself alive, and hands out
 * validated server messages. Browser-safe: no Node APIs.
 */
import ReconnectingWebSocket from "reconnecting-websocket";
import { type ClientMessage, ServerMessage } from "../protocol/index.ts";

export interface Endpoints {
  http: string;
  ws: string;
}

/** Same origin by default (local mode); a deployment passes its API Gateway URLs at build time. */
export function endpoints(location: { origin: string; protocol: string; host: string }, configured: Partial<Endpoints> = {}): Endpoints {
  return {
    http: configured.http || location.origin,
    ws: configured.ws || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
  };
}

export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

export interface LiveSocketOptions {
  /** Read again before every (re)connection, so it can carry the current language. */
  url: () => string;
  onMessage(message: ServerMessage): void;
  onState(state: SocketState): void;
  /** Called on each open after the first: the app resends or refreshes what it must. */
  onReconnect?(): void;
  keepAliveMs?: number;
  WebSocket?: typeof WebSocket;
}

export class LiveSocket {
  private readonly socket: ReconnectingWebSocket;
  private opened = 0;
  private closedByUs = false;
  private readonly keepAlive: ReturnType<typeof setInterval>;

  constructor(private readonly options: LiveSocketOptions) {
    options.onState("connecting");
    this.socket = new ReconnectingWebSocket(() => options.url(), [], {
      minReconnectionDelay: 500,
      maxReconnectionDelay: 10_000,
      reconnectionDelayGrowFactor: 1.7,
      connectionTimeout: 5_000,
      WebSocket: options.WebSocket,
    });
    this.socket.addEventListener("open", () => {
      options.onState("open");
      if (this.opened++ > 0) options.onReconnect?.();
    });
    this.socket.addEventListener("close", () => options.onState(this.closedByUs ? "closed" : "reconnecting"));
    this.socket.addEventListener("message", (event) => {
      const parsed = ServerMessage.safeParse(safeJson(String(event.data)));
      // A message this client does not know (a newer server) is ignored, as the protocol allows.
      if (parsed.success) options.onMessage(parsed.data);
    });
    // API Gateway drops a connection idle for 10 minutes.
    this.keepAlive = setInterval(() => this.send({ action: "ping" }), options.keepAliveMs ?? 60_000);
  }

  get isOpen(): boolean {
    return this.socket.readyState === ReconnectingWebSocket.OPEN;
  }

  /** Sends now if connected; returns false otherwise (the caller decides whether to keep it). */
  send(message: ClientMessage): boolean {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Drops the connection and connects again (e.g. to change sessions). */
  reconnect(): void {
    this.socket.reconnect();
  }

  close(): void {
    this.closedByUs = true;
    clearInterval(this.keepAlive);
    this.socket.close();
    this.options.onState("closed");
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The language's own name for itself ("Español"), from the browser's Intl data. */
export function languageName(code: string): string {
  try {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    return name ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : code;
  } catch {
    return code;
  }
}
