import { describe, expect, it } from "vitest";
import { MAX_LISTENERS_PER_SESSION, maxListenersPerSession } from "./deployment.ts";

describe("maxListenersPerSession (LIVETRANSLATE_MAX_LISTENERS_PER_SESSION)", () => {
  const V = "LIVETRANSLATE_MAX_LISTENERS_PER_SESSION";

  it("is the default when unset, and takes a whole number up to the highest cap a deployment may set", () => {
    expect(maxListenersPerSession(undefined, V)).toBe(MAX_LISTENERS_PER_SESSION);
    expect(maxListenersPerSession(" ", V)).toBe(MAX_LISTENERS_PER_SESSION);
    expect(maxListenersPerSession("1", V)).toBe(1);
    expect(maxListenersPerSession("10000", V)).toBe(10_000);
  });

  it("refuses anything else, naming the variable and the range", () => {
    for (const bad of ["0", "-3", "2.5", "lots", "10001"]) {
      expect(() => maxListenersPerSession(bad, V)).toThrow(new RegExp(`${V} must be a whole number from 1 to 10000 .*not "${bad}"`));
    }
  });
});
