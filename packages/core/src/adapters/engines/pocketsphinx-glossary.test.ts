import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionVocabulary } from "../../ports/index.ts";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { chunksOf, clipsWithNames, englishClips, readWav, untranscribedClips } from "@livetranslate/testing/fixtures";
import { EspeakSynthesizer } from "./espeak.ts";
import { PocketsphinxRecognizer } from "./pocketsphinx.ts";
import { pronouncer } from "./pronunciation.ts";

/** One segment of a stream, fed in 100 ms pieces as the pipeline feeds it. */
async function transcribe(recognizer: PocketsphinxRecognizer, pcm: Int16Array, vocabulary?: SessionVocabulary): Promise<string> {
  return (await transcribeWithWords(recognizer, pcm, vocabulary)).text;
}

/** The segment's text, and the words the stream had heard of it when the last audio was decoded (its first pass). */
async function transcribeWithWords(recognizer: PocketsphinxRecognizer, pcm: Int16Array, vocabulary?: SessionVocabulary) {
  const stream = recognizer.startStream("en", vocabulary);
  for (const chunk of chunksOf(pcm)) await stream.write(chunk);
  const words = (await stream.phraseWords()).map((w) => w.text);
  const text = await stream.endSegment();
  await stream.end();
  return { text, words };
}

/**
 * Real speech with words Debian's cmudict lacks: "woodcutters" (LJ Speech, LJ001-0003, which pocketsphinx hears as
 * "would cut areas") and "shapeliness" (LJ001-0015, heard as "sacredness").
 */
const woodcutters = englishClips().find((clip) => path.basename(clip.file) === "LJ001-0003.wav")!.file;
const shapeliness = untranscribedClips().find((file) => path.basename(file) === "LJ001-0015.wav")!;
/**
 * A company's name: Asterisk's prompt "I am afraid I was unable to create a connection to the Digium demonstration
 * Asterisk server" (Allison Smith's voice), whose "Digium" pocketsphinx hears as the letters "d g m".
 */
const digium = clipsWithNames().find((clip) => path.basename(clip.file) === "asterisk-demo-nogo.wav")!.file;

describe("PocketsphinxRecognizer with a session glossary (real pocketsphinx, real eSpeak NG)", () => {
  let recognizer: PocketsphinxRecognizer;
  beforeAll(async () => {
    recognizer = new PocketsphinxRecognizer({ pronounce: pronouncer(await EspeakSynthesizer.load()) });
  });
  afterAll(() => recognizer?.close());

  it(
    "hears a name the dictionary lacks once the session's glossary names it, and not before, written as the glossary writes it",
    async () => {
      const glossary: SessionVocabulary = { terms: ["Digium", "Asterisk"] };
      // eSpeak NG's pronunciation, and the spelling's: the one the speaker says is the second.
      expect(await recognizer.wordsToAdd(glossary.terms)).toEqual([{ word: "digium", pronunciations: ["D IH JH AH M", "D IH JH IH AH M"] }]);
      const pcm = readWav(digium);
      const before = await transcribeWithWords(recognizer, pcm);
      const after = await transcribeWithWords(recognizer, pcm, glossary);
      expect(before.text).toMatch(/connection to the .+ demonstration asterisk server/);
      expect(before.text).not.toMatch(/digium/i);
      expect(before.words.join(" ")).not.toMatch(/digium/i);
      // The name where the speaker says it, as the glossary writes it; so is "Asterisk", a word the dictionary has,
      // in the words heard so far as well (the first pass's, which the final pass revises to hear the name).
      expect(after.text).toMatch(/connection to the Digium demonstration Asterisk server/);
      expect(before.words).toContain("asterisk");
      expect(after.words).toContain("Asterisk");
    },
    scaledTimeout(120_000),
  );

  it(
    "hears a glossary word the dictionary lacks once the session's glossary names it, and not before",
    async () => {
      const glossary: SessionVocabulary = { terms: ["Woodcutters", "Shapeliness", "live translation"] };
      expect(await recognizer.wordsToAdd(glossary.terms)).toEqual([
        { word: "shapeliness", pronunciations: ["SH EY P L IY N AH S", "SH AE P EH L IH N EH S"] },
        { word: "woodcutters", pronunciations: ["W UH D K AH T ER Z", "W AA D K AH T ER S"] },
      ]);
      for (const file of [woodcutters, shapeliness]) {
        const pcm = readWav(file);
        const before = await transcribe(recognizer, pcm);
        const after = await transcribe(recognizer, pcm, glossary);
        expect(before).not.toMatch(/woodcutters|shapeliness/i);
        expect(after).toMatch(path.basename(file) === "LJ001-0003.wav" ? /\bWoodcutters\b/ : /\bShapeliness\b/);
      }
    },
    scaledTimeout(120_000),
  );

  it(
    "keeps the words to the session that named them: another session's stream at the same time does not hear them",
    async () => {
      const pcm = readWav(woodcutters);
      const [withGlossary, without] = await Promise.all([transcribe(recognizer, pcm, { terms: ["woodcutters"] }), transcribe(recognizer, pcm)]);
      expect(withGlossary).toMatch(/\bwoodcutters\b/);
      expect(without).not.toMatch(/woodcutters/i);
      // And afterwards, whichever decoders the pool kept.
      expect(await transcribe(recognizer, pcm)).not.toMatch(/woodcutters/i);
    },
    scaledTimeout(120_000),
  );

  it(
    "changes nothing else a session says: the other clips read the same with the glossary as without",
    async () => {
      const glossary = { terms: ["woodcutters", "shapeliness"] };
      // Three other clips: all of them would double this test's time for little more.
      for (const clip of englishClips().filter((c) => /LJ001-000[45]|jfk/.test(path.basename(c.file)))) {
        const pcm = readWav(clip.file);
        expect(await transcribe(recognizer, pcm, glossary)).toBe(await transcribe(recognizer, pcm));
      }
    },
    scaledTimeout(120_000),
  );

  it("adds nothing for terms the dictionary has or that have no letter", async () => {
    expect(await recognizer.wordsToAdd(["Netherlands", "printing", "42", "--"])).toEqual([]);
  });
});
