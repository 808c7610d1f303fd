import { describe, expect, it } from "vitest";
import { chrf, chrfStatistics } from "./chrf.ts";

// Expected values are sacreBLEU 2.6.0's (`CHRF()` defaults: char order 6, word order 0, beta 2).
describe("chrF", () => {
  it("gives sacreBLEU's sentence scores", () => {
    expect(chrf([{ hypothesis: "abc", reference: "abd" }])).toBeCloseTo(38.888888888888886, 10);
    expect(chrf([{ hypothesis: "the cat sat on the mat", reference: "the cat is on the mat" }])).toBeCloseTo(64.5779420625287, 10);
    expect(chrf([{ hypothesis: "El niño", reference: "el niño" }])).toBeCloseTo(59.166666666666664, 10);
  });

  it("sums the counts over a corpus before scoring, as sacreBLEU's corpus score does", () => {
    const pairs = [
      { hypothesis: "the cat sat on the mat", reference: "the cat is on the mat" },
      { hypothesis: "hola mundo", reference: "hola a todo el mundo" },
    ];
    expect(chrf(pairs)).toBeCloseTo(49.03239743684655, 10);
  });

  it("is 100 for the same text whatever its spacing, and 0 for nothing in common or nothing at all", () => {
    expect(chrf([{ hypothesis: "lo siendo un padre", reference: "lo  siendo un\tpadre" }])).toBe(100);
    expect(chrf([{ hypothesis: "xyz", reference: "abc" }])).toBe(0);
    expect(chrf([{ hypothesis: "", reference: "abc" }])).toBe(0);
    expect(chrf([])).toBe(0);
  });

  it("counts characters, not UTF-16 units, and clips repeated n-grams", () => {
    expect(chrfStatistics("ĝi", "ĝi").hypothesis.slice(0, 3)).toEqual([2, 1, 0]);
    const repeated = chrfStatistics("aaaa", "aa");
    expect(repeated.matches[0]).toBe(2);
    expect(repeated.hypothesis[0]).toBe(4);
  });
});
