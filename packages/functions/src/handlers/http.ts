/** Lambda entry: the HTTP API (API Gateway HTTP API, payload v2). */
import { handle } from "hono/aws-lambda";
import { createApi } from "../http/api.ts";
import { awsDeps } from "../wiring.ts";

export const handler = handle(createApi(awsDeps));
