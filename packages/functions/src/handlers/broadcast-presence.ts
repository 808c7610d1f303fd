/** Lambda entry: listeners' broker connect and disconnect events, from the IoT topic rule on `$aws/events/presence/+/+`. */
import { awsAdapters, compose } from "../composition.ts";

const handlers = compose(awsAdapters());

export const handler = (event: unknown) => handlers.BroadcastPresenceHandler(event);
