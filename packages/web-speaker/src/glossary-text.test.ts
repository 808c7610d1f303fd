import { describe, expect, it } from "vitest";
import { parseGlossary } from "./glossary-text.ts";

describe("the glossary box", () => {
  it("reads kept terms, one translation for all, and one per language", () => {
    expect(parseGlossary("Kinesis\n\nstream = flujo\nlive = es: en vivo; fr: en direct\n", ["es", "fr"])).toEqual({
      entries: [
        { term: "Kinesis", translations: {} },
        { term: "stream", translations: { es: "flujo", fr: "flujo" } },
        { term: "live", translations: { es: "en vivo", fr: "en direct" } },
      ],
    });
  });

  it("names the line it cannot read", () => {
    expect(parseGlossary("ok\n= nothing", ["es"])).toEqual({ error: 'line 2: the term before "=" is missing' });
    expect(parseGlossary("a = es: uno; dos", ["es"])).toEqual({ error: 'line 1: write each translation as "es: text", separated by ";"' });
  });
});
