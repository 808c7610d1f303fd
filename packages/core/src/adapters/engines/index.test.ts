import { describe, expect, it } from "vitest";
import { ApertiumTranslator, closeEngines, detectLocalEngines, PocketsphinxRecognizer, supportedLanguages } from "./index.ts";

describe("detectLocalEngines", () => {
  it("finds all three engines here and reports what listeners can pick", async () => {
    const detected = await detectLocalEngines();
    try {
      expect(detected.problems).toEqual([]);
      const languages = supportedLanguages({ recognizer: detected.recognizer!, translator: detected.translator!, synthesizer: detected.synthesizer! });
      expect(languages.source).toEqual(["en"]);
      // Galician is translated but eSpeak NG cannot voice it: listeners get it as captions only.
      expect(languages.target).toEqual(["ca", "eo", "es", "fr", "gl", "it", "pt"]);
      expect(languages.captionsOnly).toEqual(["gl"]);
    } finally {
      await closeEngines(detected);
    }
  });
});

describe("a missing engine", () => {
  it("is a clear message naming the Debian package, never a fake", () => {
    expect(() => new PocketsphinxRecognizer({ modelDir: "/nonexistent" })).toThrow(/apt-get install -y pocketsphinx pocketsphinx-en-us/);
    const translator = new ApertiumTranslator({ modesDir: "/nonexistent" });
    expect(translator.pairs).toEqual([]);
    expect(translator.missing).toContain("en->fr needs: apt-get install -y apertium-eng-cat apertium-fra-cat");
  });
});
