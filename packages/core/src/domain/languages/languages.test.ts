import { describe, expect, it } from "vitest";
import { LanguageCode } from "../../protocol/index.ts";
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
    expect(languages).toEqual({ source: ["en"], target: ["es", "fr", "gl"], captionsOnly: ["gl"], routes: { es: {}, fr: {}, gl: {} } });
  });

  it("offers no target the translator cannot reach from a heard source, voiced or not", () => {
    const languages = supportedLanguages({
      recognizer: { languages: ["en"] },
      translator: { pairs: [...pairs("en", ["es"]), ...pairs("fr", ["de", "gl"])] },
      synthesizer: { languages: ["es", "de"] },
    });
    expect(languages).toEqual({ source: ["en"], target: ["es"], captionsOnly: [], routes: { es: {} } });
  });

  it("marks a target reached through a pivot with that pivot, voiced or not", () => {
    // Like Apertium: English -> Catalan -> Occitan and -> Sardinian; eSpeak NG voices neither.
    const languages = supportedLanguages({
      recognizer: { languages: ["en"] },
      translator: { pairs: [...pairs("en", ["ca", "es"]), { source: "en", target: "oc", via: "ca" }, { source: "en", target: "an", via: "es" }] },
      synthesizer: { languages: ["ca", "es", "an"] },
    });
    expect(languages).toEqual({
      source: ["en"],
      target: ["an", "ca", "es", "oc"],
      captionsOnly: ["oc"],
      routes: { an: { via: "es" }, ca: {}, es: {}, oc: { via: "ca" } },
    });
  });

  it("calls a target direct when one heard source reaches it directly, whatever another's route", () => {
    const languages = supportedLanguages({
      recognizer: { languages: ["en", "es"] },
      translator: { pairs: [{ source: "en", target: "pt", via: "es" }, ...pairs("es", ["pt"]), { source: "de", target: "it", via: "en" }] },
      synthesizer: { languages: [] },
    });
    expect(languages.routes).toEqual({ pt: {} });
  });

  it("says a language is voiced only when the synthesizer has it", () => {
    expect(isVoiced({ languages: ["es"] }, "es")).toBe(true);
    expect(isVoiced({ languages: ["es"] }, "gl")).toBe(false);
  });
});

describe("a language code", () => {
  it("is ISO 639-1, or ISO 639-3 for a language without a two-letter code (Asturian), lower case", () => {
    for (const code of ["en", "oc", "ast"]) expect(LanguageCode.safeParse(code).success, code).toBe(true);
    for (const code of ["EN", "e", "engl", "en-US", ""]) {
      const parsed = LanguageCode.safeParse(code);
      expect(parsed.success, code).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/two-letter ISO 639-1 code such as "en".*"ast"/);
    }
  });
});
