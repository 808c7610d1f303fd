import { describe, expect, it } from "vitest";
import { ApertiumTranslator, closeEngines, detectLocalEngines, PocketsphinxRecognizer, supportedLanguages } from "./index.ts";

describe("detectLocalEngines", () => {
  it("finds all three engines here and reports what listeners can pick", async () => {
    const detected = await detectLocalEngines();
    try {
      expect(detected.problems).toEqual([]);
      const languages = supportedLanguages({ recognizer: detected.recognizer!, translator: detected.translator!, synthesizer: detected.synthesizer! });
      expect(languages.source).toEqual(["en"]);
      expect(languages.target).toEqual(["an", "ast", "bs", "ca", "eo", "es", "fr", "gl", "hr", "it", "oc", "pt", "sc", "sl", "sr"]);
      // Translated, but eSpeak NG cannot voice them: listeners get them as captions only.
      expect(languages.captionsOnly).toEqual(["ast", "gl", "oc", "sc"]);
      expect(languages.routes).toMatchObject({ es: {}, an: { via: "es" }, oc: { via: "ca" } });
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
