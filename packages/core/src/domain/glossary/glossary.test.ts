import { afterAll, describe, expect, it } from "vitest";
import { ApertiumTranslator } from "../../adapters/engines/apertium.ts";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { Glossary } from "../../protocol/index.ts";
import { translateWithGlossary, writeAsGlossary, writeTextAsGlossary } from "./index.ts";

const glossary: Glossary = [
  { term: "Kinesis", translations: { es: "Kinesis", fr: "Kinesis" } },
  { term: "stream", translations: { es: "flujo" } },
  { term: "live translation", translations: { es: "traducción en vivo", it: "traduzione dal vivo" } },
  { term: "Lambda", translations: {} },
];

describe("session glossary", () => {
  const apertium = new ApertiumTranslator();
  afterAll(() => apertium.close());

  it(
    "puts each term's translation in the real engine's output, whole words only, case-insensitive, longest first",
    async () => {
      const text = "The kinesis stream feeds Lambda, and live translation needs the streams of Kinesis.";
      const es = await translateWithGlossary(apertium, text, "en", "es", glossary);
      expect(es).toContain("Kinesis");
      expect(es).toContain("flujo");
      expect(es).toContain("traducción en vivo");
      expect(es).toContain("Lambda");
      expect(es.match(/Kinesis/g)).toHaveLength(2);
      // "streams" is not the whole word "stream": left to the engine.
      expect(es.match(/flujo/g)).toHaveLength(1);
      // Without a glossary the engine translates "stream" its own way.
      expect(await apertium.translate(text, "en", "es")).not.toContain("flujo");
      // A term with no translation for the language stays as written in the glossary.
      expect(await translateWithGlossary(apertium, "The stream is live translation.", "en", "it", glossary)).toContain("stream");
    },
    scaledTimeout(60_000),
  );

  it(
    "writes a recognizer's lower-case words as the glossary writes its terms, which the translation then holds",
    async () => {
      const terms = glossary.map((entry) => entry.term);
      // Whole words and runs of words only, the longest term first.
      expect(writeTextAsGlossary("the kinesis streams feed lambda and kinesisx", terms)).toBe("the Kinesis streams feed Lambda and kinesisx");
      expect(writeAsGlossary(["new", "york", "and", "york", "new"], ["York", "New York"])).toEqual(["New", "York", "and", "York", "new"]);
      expect(writeTextAsGlossary("", terms)).toBe("");
      expect(writeTextAsGlossary("the digium server", [])).toBe("the digium server");
      // A name as pocketsphinx writes it, then as the glossary does: the real engine's translation keeps it.
      const heard = writeTextAsGlossary("a connection to the digium demonstration server", ["Digium"]);
      expect(heard).toBe("a connection to the Digium demonstration server");
      expect(await translateWithGlossary(apertium, heard, "en", "es", [{ term: "Digium", translations: {} }])).toContain("Digium");
    },
    scaledTimeout(60_000),
  );

  it("validates entries and names what is wrong", () => {
    const result = Glossary.safeParse([{ term: "ok", translations: { es: "bien" } }, { term: "", translations: {} }, { term: "x".repeat(101) }]);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(["1.term", "2.term"]);
    expect(Glossary.safeParse(Array.from({ length: 201 }, (_, i) => ({ term: `t${i}` }))).success).toBe(false);
  });
});
