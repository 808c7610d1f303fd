import type { ErrorCode } from "./protocol/index.ts";

/** An error a client may see: a stable code, a sentence a person can act on, and the HTTP status it maps to. */
export class VisibleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 = 400,
  ) {
    super(message);
    this.name = "VisibleError";
  }
}
