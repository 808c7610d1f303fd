import { describe, expect, it } from "vitest";
import { glossaryTextFromCsv, parseGlossary } from "./glossary-text.ts";

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

  it("reads a CSV file (term, then a column per language) into the box's lines, quotes and commas included", () => {
    const csv = 'term,es,fr\nKinesis,Kinesis,Kinesis\n"live, translation",en vivo,\nLambda,,\n';
    const read = glossaryTextFromCsv(csv);
    expect(read).toEqual({ text: "Kinesis = es: Kinesis; fr: Kinesis\nlive, translation = es: en vivo\nLambda" });
    expect(parseGlossary((read as { text: string }).text, ["es", "fr"])).toEqual({
      entries: [
        { term: "Kinesis", translations: { es: "Kinesis", fr: "Kinesis" } },
        { term: "live, translation", translations: { es: "en vivo" } },
        { term: "Lambda", translations: {} },
      ],
    });
    expect(glossaryTextFromCsv("word,es\na,b")).toEqual({ error: expect.stringContaining('"term"') });
    expect(glossaryTextFromCsv("term,Spanish\na,b")).toEqual({ error: expect.stringContaining('"Spanish"') });
  });
});
