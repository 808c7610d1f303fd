import { describe, expect, it } from "vitest";
import { isVoiced, supportedLanguages } from "./index.ts";

const pairs = (source: string, targets: string[]) => targets.map((target) => ({ source, target }));

describe("supportedLanguages", () => {
  it("offers a translated target without a voice as captions only, and voiced targets as before", () => {
    // Like the local engines: Apertium reaches gl, eSpeak NG has no Galician voice.
    const languages = supportedLanguages({
      recognizer: { languages: ["en"] },
      translator: { pairs: pairs("en", ["es", "gl", "fr"]) },
      synthesizer: { languages: ["en", "es", "fr", "de"] },
    });
    expect(languages).toEqual({ source: ["en"], target: ["es", "fr", "gl"], captionsOnly: ["gl"] });
  });

  it("offers no target the translator cannot reach from a heard source, voiced or not", () => {
    const languages = supportedLanguages({
      recognizer: { languages: ["en"] },
      translator: { pairs: [...pairs("en", ["es"]), ...pairs("fr", ["de", "gl"])] },
      synthesizer: { languages: ["es", "de"] },
    });
    expect(languages).toEqual({ source: ["en"], target: ["es"], captionsOnly: [] });
  });

  it("says a language is voiced only when the synthesizer has it", () => {
    expect(isVoiced({ languages: ["es"] }, "es")).toBe(true);
    expect(isVoiced({ languages: ["es"] }, "gl")).toBe(false);
  });
});
