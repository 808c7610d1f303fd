import { afterAll, describe, expect, it } from "vitest";
import { ApertiumTranslator } from "./apertium.ts";

describe("ApertiumTranslator (real Apertium pipelines)", () => {
  const translator = new ApertiumTranslator();
  afterAll(() => translator.close());

  it("offers every installed direction from English", () => {
    expect(translator.pairs.map((p) => p.target).sort()).toEqual(["ca", "eo", "es", "fr", "gl", "it", "pt"]);
    expect(translator.missing).toEqual([]);
  });

  it.each([
    ["es", /casa/i, /roja/i],
    ["ca", /casa/i, /vermell/i],
    ["fr", /maison/i, /rouge/i],
    ["pt", /casa/i, /vermelha/i],
    ["it", /casa/i, /ross/i],
    ["gl", /casa/i, /vermell/i],
    ["eo", /dom/i, /ruĝ/i],
  ])("translates into %s", async (target, noun, adjective) => {
    const text = await translator.translate("The house is red.", "en", target);
    expect(text).toMatch(noun);
    expect(text).toMatch(adjective);
    expect(text.endsWith(".")).toBe(true);
  });

  it("answers concurrent requests in order, each with its own translation", async () => {
    const sentences = ["The house is red.", "The dog is black.", "I have two cats.", "Where is the station?"];
    const results = await Promise.all(sentences.map((s) => translator.translate(s, "en", "es")));
    expect(results[0]).toMatch(/casa/i);
    expect(results[1]).toMatch(/perro/i);
    expect(results[2]).toMatch(/gatos/i);
    expect(results[3]).toMatch(/dónde/i);
  });

  it("keeps working after text with the stream format's special characters", async () => {
    const odd = await translator.translate("Ask [not] what $5 ^costs <b> @home #1 *star {x} a/b back\\slash\nnew line", "en", "es");
    expect(odd).toContain("[");
    expect(odd).toContain("$5");
    expect(odd).not.toContain("\0");
    expect(await translator.translate("The house is red.", "en", "es")).toMatch(/casa es roja/i);
  });

  it("refuses a direction it does not have, by name", async () => {
    await expect(translator.translate("Hello", "en", "de")).rejects.toThrow(/en->de/);
  });

  it("is fast once warm", async () => {
    await translator.translate("Warm up.", "en", "fr");
    const started = performance.now();
    for (let i = 0; i < 10; i++) await translator.translate(`This is sentence number ${i}.`, "en", "fr");
    const perSentence = (performance.now() - started) / 10;
    console.log(`Apertium en->fr (two pairs chained), warm: ${perSentence.toFixed(1)} ms per sentence`);
    expect(perSentence).toBeGreaterThan(0);
  });
});
