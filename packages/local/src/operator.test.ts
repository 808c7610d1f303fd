import { describe, expect, it } from "vitest";
import { operatorSecretFor } from "./operator.ts";

describe("the operator secret creating a session needs", () => {
  it("is none on loopback, fresh off loopback, and the configured one on any address", () => {
    expect(operatorSecretFor("127.0.0.1", undefined)).toBeUndefined();
    expect(operatorSecretFor("localhost", undefined)).toBeUndefined();
    const fresh = [operatorSecretFor("0.0.0.0", undefined), operatorSecretFor("192.168.1.20", undefined)];
    for (const secret of fresh) expect(secret).toMatch(/^[2-9a-z]{4}(-[2-9a-z]{4}){3}$/);
    expect(fresh[0]).not.toBe(fresh[1]);
    expect(operatorSecretFor("127.0.0.1", "the-venue-desk-2026")).toBe("the-venue-desk-2026");
    expect(operatorSecretFor("0.0.0.0", "the-venue-desk-2026")).toBe("the-venue-desk-2026");
  });

  it("refuses a chosen secret short enough to guess, saying how long it must be", () => {
    expect(() => operatorSecretFor("0.0.0.0", "letmein")).toThrow(/LIVETRANSLATE_OPERATOR_SECRET must have at least 12 letters or digits/);
    expect(() => operatorSecretFor("0.0.0.0", "a-b-c-d-e-f-g-h")).toThrow(/at least 12/);
  });
});
