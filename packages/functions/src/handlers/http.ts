/** Lambda entry: the HTTP API (API Gateway HTTP API, payload v2). */
import { handle } from "hono/aws-lambda";
import { awsAdapters, compose } from "../composition.ts";

const handlers = compose(awsAdapters());
let lambda: ReturnType<typeof handle> | undefined;

export const handler = (...args: Parameters<ReturnType<typeof handle>>) => (lambda ??= handle(handlers.Http))(...args);
