import { describe, expect, it } from "vitest";
import { chooseLanguage, joinPath, normalizeCode, parseJoinLink } from "./join.ts";

describe("joining", () => {
  it("reads the session and language from the link, under either base", () => {
    expect(parseJoinLink({ pathname: "/listen/joyful-hope-911", search: "?lang=ES" })).toEqual({ sessionId: "joyful-hope-911", language: "es" });
    expect(parseJoinLink({ pathname: "/listen/", search: "" })).toEqual({ sessionId: undefined, language: undefined });
    expect(parseJoinLink({ pathname: "/joyful-hope-911/", search: "" }, "/")).toEqual({ sessionId: "joyful-hope-911", language: undefined });
  });

  it("reads a private session's key from the link's fragment, and puts it back there", () => {
    const link = parseJoinLink({ pathname: "/listen/joyful-hope-911", search: "?lang=fr", hash: "#key=k7m2-x9qp-4hzt-r8wn" });
    expect(link).toEqual({ sessionId: "joyful-hope-911", language: "fr", key: "k7m2-x9qp-4hzt-r8wn" });
    expect(joinPath("/listen/", "joyful-hope-911", "fr", link.key)).toBe("/listen/joyful-hope-911?lang=fr#key=k7m2-x9qp-4hzt-r8wn");
    expect(joinPath("/", "joyful-hope-911", "es", undefined)).toBe("/joyful-hope-911?lang=es");
  });

  it("forgives a typed code", () => {
    expect(normalizeCode("  Joyful Hope 911 ")).toBe("joyful-hope-911");
  });

  it("picks the link's language, else the browser's, else the first offered", () => {
    expect(chooseLanguage(["es", "fr"], "fr", ["es-ES"])).toBe("fr");
    expect(chooseLanguage(["es", "fr"], "de", ["fr-CA", "en"])).toBe("fr");
    expect(chooseLanguage(["es", "fr"], undefined, ["en-US"])).toBe("es");
  });
});
