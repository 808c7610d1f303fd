import { describe, expect, it } from "vitest";
import { lazy } from "./lazy.ts";

describe("lazy()", () => {
  it("builds each property on its first read, once, and nothing that is not read", () => {
    // Prepare
    const built: string[] = [];
    const object = lazy<{ a: number; b: string; none: undefined }>({
      a: () => (built.push("a"), 1),
      b: () => (built.push("b"), "b"),
      none: () => (built.push("none"), undefined),
    });
    // Act
    const reads = [object.a, object.a, object.none, object.none];
    // Assess
    expect(reads).toEqual([1, 1, undefined, undefined]);
    expect(built).toEqual(["a", "none"]);
    expect(Object.keys(object)).toEqual(["a", "b", "none"]);
  });

  it("builds again after a build that threw", () => {
    let attempts = 0;
    const object = lazy<{ flaky: number }>({
      flaky: () => {
        attempts += 1;
        if (attempts === 1) throw new Error("not yet");
        return attempts;
      },
    });
    expect(() => object.flaky).toThrow("not yet");
    expect(object.flaky).toBe(2);
    expect(object.flaky).toBe(2);
  });
});
