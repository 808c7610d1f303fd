/** Bearer secrets (a speaker's token, a broadcast listener's pass): stored only as SHA-256, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Whether `token` is the secret whose hash is `hash`. */
export function tokenMatches(hash: string, token: string): boolean {
  const given = Buffer.from(hashToken(token), "hex");
  const expected = Buffer.from(hash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
