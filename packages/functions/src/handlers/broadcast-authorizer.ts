/** Lambda entry: IoT Core's custom authorizer of listeners' broker connections (SST's Realtime `authorizer`). */
import type { IotAuthorizerEvent } from "@livetranslate/core/adapters/aws/iot";
import { awsAdapters, compose } from "../composition.ts";

const handlers = compose(awsAdapters());

export const handler = (event: IotAuthorizerEvent, context: { invokedFunctionArn: string }) => handlers.BroadcastAuthorizerHandler(event, context);
