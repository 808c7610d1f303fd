/**
 * The management client's HTTP handler in local mode. The SDK builds, signs and parses the very requests it sends
 * API Gateway (the notifier adapter is the one Lambda runs, 410 Gone included); this hands each one to the gateway
 * in the same process instead of over a socket to itself: over loopback HTTP each post cost CPU at both ends, three
 * posts per listener and segment, and that set the fan-out's tail (docs/design/local-mode.md).
 * The gateway's HTTP management API stays for anything outside the process.
 */
import { type HttpHandler, type HttpRequest, HttpResponse } from "@smithy/core/protocols";
import { type WebSocketGateway, wireOf } from "./index.ts";

export class InProcessManagementHandler implements HttpHandler {
  private gateway: WebSocketGateway | undefined;

  /** Local mode builds its adapters before its gateway: calls are served once it is attached. */
  attach(gateway: WebSocketGateway): void {
    this.gateway = gateway;
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    if (!this.gateway) throw new Error("the local gateway is not started: no connection can be managed yet");
    const id = /\/@connections\/([^/]+)$/.exec(request.path)?.[1];
    const answer = id
      ? this.gateway.manage({
          method: request.method,
          connectionId: decodeURIComponent(id),
          authorization: request.headers.authorization ?? request.headers.Authorization,
          body: request.body ?? "",
        })
      : { statusCode: 404, json: { message: `${request.path} is not a path of the @connections API` } };
    const { headers, body } = wireOf(answer);
    return { response: new HttpResponse({ statusCode: answer.statusCode, headers, body: body === undefined ? new Uint8Array() : Buffer.from(body) }) };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}
