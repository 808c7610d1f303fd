/** IoT Core's custom authorizer for listeners' broker connections: parses the event, asks core, answers the policy. */
import type { IotAuthorizerEvent, IotAuthorizerResponse } from "@livetranslate/core/adapters/aws/iot";
import type { Adapters } from "../adapters.ts";

export function createBroadcastAuthorizer({ listenerAuthorizer, log }: Pick<Adapters, "listenerAuthorizer" | "log">) {
  return async (event: IotAuthorizerEvent, context: { invokedFunctionArn: string }): Promise<IotAuthorizerResponse> => {
    const answer = await listenerAuthorizer(event, context);
    log({ level: "info", event: answer.isAuthenticated ? "broadcast.authorized" : "broadcast.refused", clientId: event.protocolData?.mqtt?.clientId });
    return answer;
  };
}
