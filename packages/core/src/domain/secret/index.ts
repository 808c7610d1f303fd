/**
 * Secrets people hold (speaker tokens, join keys, local mode's operator secret): drawn from the operating system's
 * cryptographic generator, kept only as SHA-256 hashes, compared in constant time so an answer's timing says
 * nothing about how close a guess came.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";

export namespace Secret {
  /** Letters and digits no one misreads aloud or on a screen: no 0/o, 1/i/l. */
  const READABLE = "23456789abcdefghjkmnpqrstuvwxyz";

  /**
   * `k7m2-x9qp-4hzt-r8wn`: `characters` drawn uniformly from 31 symbols (16 give 79 bits), in groups of four,
   * so a person can read it out or type it on a phone when a link cannot be passed on.
   */
  export function readable(characters: number): string {
    const drawn = Array.from({ length: characters }, () => READABLE[randomInt(READABLE.length)]);
    return drawn.join("").replace(/(.{4})(?=.)/g, "$1-");
  }

  /** What was typed, as it is hashed: case, spaces and dashes do not matter. */
  export function normalize(typed: string): string {
    return typed.toLowerCase().replace(/[\s-]+/g, "");
  }

  export function hash(secret: string): string {
    return createHash("sha256").update(secret).digest("hex");
  }

  /** Whether `given` hashes to `expectedHash`. */
  export function matchesHash(expectedHash: string, given: string): boolean {
    const a = Buffer.from(hash(given), "hex");
    const b = Buffer.from(expectedHash, "hex");
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Two secrets held in the clear (a configured one and a given one), compared by hash: lengths leak nothing. */
  export function equal(expected: string, given: string): boolean {
    return matchesHash(hash(expected), given);
  }
}
