import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { translatePart } from "../../streaming/pipeline/index.ts";
import { APERTIUM_PAIRS, APERTIUM_TARGETS, ApertiumTranslator, apertiumRoute } from "./apertium.ts";

describe("Apertium's routes", () => {
  it("take English to every target by its own pair or through one pivot that English reaches directly", () => {
    for (const [target, { via }] of Object.entries(APERTIUM_TARGETS)) {
      const route = apertiumRoute(target);
      expect(route, target).toBeDefined();
      expect(route!.map((pair) => [pair.source, pair.target]), target).toEqual(via ? [["en", via], [via, target]] : [["en", target]]);
      if (via) expect(APERTIUM_TARGETS[via], `${target} via ${via}`).toEqual({});
    }
  });

  it("are all installed by scripts/install.sh, by real package name", () => {
    const script = readFileSync(path.join(import.meta.dirname, "../../../../../scripts/install.sh"), "utf8");
    const listed = script.match(/^packages=\(([^)]*)\)/m)![1]!.split(/\s+/);
    expect(listed).toEqual(expect.arrayContaining([...new Set(APERTIUM_PAIRS.map((pair) => pair.package))]));
  });
});

describe("ApertiumTranslator (real Apertium pipelines)", () => {
  const translator = new ApertiumTranslator();
  afterAll(() => translator.close());

  it("offers every installed direction from English, a pivot's with that pivot", () => {
    expect(translator.pairs.map((p) => p.target).sort()).toEqual(["an", "ast", "bs", "ca", "eo", "es", "fr", "gl", "hr", "it", "oc", "pt", "sc", "sl", "sr"]);
    expect(translator.pairs).toContainEqual({ source: "en", target: "oc", via: "ca" });
    expect(translator.pairs).toContainEqual({ source: "en", target: "es" });
    expect(translator.missing).toEqual([]);
  });

  it.each([
    ["es", /\bcasa\b/i, /\broja\b/i],
    ["ca", /\bcasa\b/i, /\bvermell/i], // Apertium says "vermell": agreement is not its strength
    ["fr", /\bmaison\b/i, /\brouge\b/i],
    ["pt", /\bcasa\b/i, /\bvermelha\b/i],
    ["it", /\bcasa\b/i, /\brossa\b/i],
    ["gl", /\bcasa\b/i, /\bvermella\b/i],
    ["eo", /\bdomo\b/i, /\bruĝa\b/i],
    ["ast", /\bcasa\b/i, /\bcolorada\b/i], // through Spanish
    ["an", /\bcasa\b/i, /\broya\b/i], // through Spanish
    ["oc", /\bostal\b/i, /\broge\b/i], // through Catalan
    ["sc", /\bdomo\b/i, /\bruju\b/i], // through Catalan
    // Serbo-Croatian's pair knows few English words yet ("The dom i red."); its onward pairs keep what it has.
    ["hr", /\bdom\b/i, /\bi\b/],
    ["sr", /\bdom\b/i, /\bi\b/],
    ["bs", /\bdom\b/i, /\bi\b/],
    ["sl", /\bdom\b/i, /\bin\b/], // through Croatian
  ])("translates into %s", async (target, noun, adjective) => {
    const text = await translator.translate("The house is red.", "en", target);
    expect(text).toMatch(noun);
    expect(text).toMatch(adjective);
    expect(text).toMatch(/\S\.$/);
  });

  it("answers concurrent requests in order, each with its own translation", async () => {
    const sentences = ["The house is red.", "The dog is black.", "I have two cats.", "Where is the station?", "The book is on the table."];
    const expected = [/casa/i, /perro/i, /gatos/i, /dónde/i, /libro/i];
    const [es, fr] = await Promise.all([
      Promise.all(sentences.map((s) => translator.translate(s, "en", "es"))),
      Promise.all(sentences.map((s) => translator.translate(s, "en", "fr"))),
    ]);
    es.forEach((text, i) => expect(text).toMatch(expected[i]!));
    expect(fr[1]).toMatch(/chien/i);
    expect(fr[4]).toMatch(/livre/i);
  });

  it("drops the marks of unknown words", async () => {
    const text = await translator.translate("The gorbleflax is blue.", "en", "es");
    expect(text).toMatch(/gorbleflax/i);
    expect(text).not.toMatch(/[*#@]/);
  });

  it("keeps working after text with the stream format's special characters", async () => {
    const odd = await translator.translate("Ask [not] what $5 ^costs <b> @home #1 *star {x} a/b back\\slash\nnew line\0end ~|", "en", "es");
    expect(odd).toContain("[");
    expect(odd).toContain("$5");
    expect(odd).toContain("@");
    expect(odd).not.toMatch(/[\0\n]/);
    expect(await translator.translate("The house is red.", "en", "es")).toMatch(/casa es roja/i);
    expect(await translator.translate(" \n ", "en", "es")).toBe("");
  });

  it("translates a part together with its segment's words before it, and keeps what it adds", async () => {
    // Alone, the fragment gets a clitic for a subject it cannot see and a capital for starting a sentence.
    const part = { before: "she spoke of the village", text: "it being a parent to clean water" };
    expect((await translatePart(translator, part, "en", "es", undefined, false)).text).toBe("lo Siendo un padre para limpiar agua");
    expect(await translatePart(translator, part, "en", "es", undefined)).toEqual({ text: "siendo un padre para limpiar agua", method: "context" });
    // The French subject pronoun Apertium adds to a verb alone goes too, and a name keeps its capital.
    expect(await translatePart(translator, { before: "the house that we bought", text: "is red" }, "en", "fr", undefined)).toEqual({ text: "est rouge", method: "context" });
    expect((await translatePart(translator, { before: "we went to see", text: "John in London" }, "en", "es", undefined)).text).toMatch(/^John en Londres$/);
  });

  it("keeps the words after the context's translation when they differ by one word at the join", async () => {
    // Through Catalan, the whole gets an article ("les impressions") that the context alone did not have.
    const part = { before: "for although the chinese took impressions", text: "from wood blocks engraved in relief" };
    expect(await translatePart(translator, part, "en", "fr", undefined)).toEqual({ text: "depuis des blocs de bois ont enregistré en bosse", method: "context" });
  });

  it("translates a part alone, in the case it has in the sentence, when the whole rewrote its context", async () => {
    // With the clause after it, "books" is taken for a verb ("el bloque reserva"): the context's words are not the whole's.
    const part = { before: "produced the block books", text: "which were any immediate predecessors of the true printed book" };
    expect(await translatePart(translator, part, "en", "es", undefined)).toEqual({ text: "cuál era cualesquier predecesores inmediatos del libro imprimido cierto", method: "fallback" });
  });

  it("refuses a direction it does not have, by name", async () => {
    await expect(translator.translate("Hello", "en", "de")).rejects.toThrow(/en->de/);
    await expect(translator.translate("Hola", "es", "en")).rejects.toThrow(/es->en/);
  });

  it("is fast once warm", async () => {
    const lines: string[] = [];
    for (const { target } of translator.pairs) {
      await translator.translate("Warm up.", "en", target);
      const started = performance.now();
      for (let i = 0; i < 10; i++) await translator.translate(`This is sentence number ${i} of the talk.`, "en", target);
      const perSentence = (performance.now() - started) / 10;
      lines.push(`en->${target} ${perSentence.toFixed(1)} ms`);
      // One process per request takes ~300 ms to start; the bound follows the machine (calibrated at the start of the run).
      expect(perSentence).toBeLessThan(scaledTimeout(200));
    }
    console.log(`Apertium, warm, per sentence: ${lines.join(", ")}`);
  });
});

/** The commands of every process below this one (a pipeline is `sh` and its stages), from /proc. */
function childCommands(parent = process.pid): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // After the command's closing parenthesis: state, then the parent's pid.
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent) return [];
        return [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), ...childCommands(Number(pid))];
      } catch {
        return [];
      }
    });
}

describe("ApertiumTranslator when a pipeline misbehaves", () => {
  // A stand-in "pair" made of sed (it takes -z like every Apertium stage): it echoes, never answers
  // "hang", and dies on "crash". Only the failure handling is under test here.
  const dir = mkdtempSync(path.join(tmpdir(), "apertium-modes-"));
  writeFileSync(path.join(dir, "eng-spa.mode"), "sed -u '/hang/d;/crash/Q5;s/^/echo:/'\n");
  writeFileSync(path.join(dir, "eng-cat.mode"), "no-such-apertium-stage\n");
  // The restarted pipeline must answer within this too: it follows the machine.
  const timeoutMs = scaledTimeout(500);
  const translator = new ApertiumTranslator({ modesDir: dir, timeoutMs });
  afterAll(async () => {
    await translator.close();
    rmSync(dir, { recursive: true });
  });

  it("offers only the directions whose modes exist", () => {
    expect(translator.pairs.map((p) => p.target)).toEqual(["es", "ca"]);
    expect(translator.missing).toContain("en->fr needs: apt-get install -y apertium-eng-cat apertium-fra-cat");
    expect(translator.missing).toContain("en->hr needs: apt-get install -y apertium-hbs-eng");
  });

  it("rejects a request that does not answer in time, then restarts the pipeline", async () => {
    const hung = translator.translate("hang", "en", "es");
    const next = translator.translate("after", "en", "es");
    await expect(hung).rejects.toThrow(`did not answer within ${timeoutMs} ms`);
    expect(await next).toBe("echo:after");
  });

  it("restarts a pipeline that crashed", async () => {
    await expect(translator.translate("crash", "en", "es")).rejects.toThrow(/exited/);
    expect(await translator.translate("again", "en", "es")).toBe("echo:again");
  });

  it("says which stage is missing when a pipeline cannot start", async () => {
    await expect(translator.translate("Hello.", "en", "ca")).rejects.toThrow(/eng-cat\.mode\) exited \(127\).*no-such-apertium-stage.*not found/);
  });

  it("fails waiting requests on close, and later ones too; closing ends once the pipeline's process has", async () => {
    const pending = translator.translate("hang", "en", "es");
    const closing = translator.close();
    await expect(pending).rejects.toThrow(/closed/);
    await closing;
    expect(childCommands().filter((c) => c === "sh" || c === "sed")).toEqual([]);
    await expect(translator.translate("late", "en", "es")).rejects.toThrow(/closed/);
  });
});
