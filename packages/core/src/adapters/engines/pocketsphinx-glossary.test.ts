import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionVocabulary } from "../../ports/index.ts";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { chunksOf, englishClips, readWav, untranscribedClips } from "@livetranslate/testing/fixtures";
import { EspeakSynthesizer } from "./espeak.ts";
import { PocketsphinxRecognizer } from "./pocketsphinx.ts";
import { pronouncer } from "./pronunciation.ts";

/** One segment of a stream, fed in 100 ms pieces as the pipeline feeds it. */
async function transcribe(recognizer: PocketsphinxRecognizer, pcm: Int16Array, vocabulary?: SessionVocabulary): Promise<string> {
  const stream = recognizer.startStream("en", vocabulary);
  for (const chunk of chunksOf(pcm)) await stream.write(chunk);
  const text = await stream.endSegment();
  await stream.end();
  return text;
}

/**
 * Real speech with words Debian's cmudict lacks: "woodcutters" (LJ Speech, LJ001-0003, which pocketsphinx hears as
 * "would cut areas") and "shapeliness" (LJ001-0015, heard as "sacredness").
 */
const woodcutters = englishClips().find((clip) => path.basename(clip.file) === "LJ001-0003.wav")!.file;
const shapeliness = untranscribedClips().find((file) => path.basename(file) === "LJ001-0015.wav")!;

describe("PocketsphinxRecognizer with a session glossary (real pocketsphinx, real eSpeak NG)", () => {
  let recognizer: PocketsphinxRecognizer;
  beforeAll(async () => {
    recognizer = new PocketsphinxRecognizer({ pronounce: pronouncer(await EspeakSynthesizer.load()) });
  });
  afterAll(() => recognizer?.close());

  it(
    "hears a glossary word the dictionary lacks once the session's glossary names it, and not before",
    async () => {
      const glossary: SessionVocabulary = { terms: ["Woodcutters", "Shapeliness", "live translation"] };
      expect(await recognizer.wordsToAdd(glossary.terms)).toEqual([
        { word: "shapeliness", phones: "SH EY P L IY N AH S" },
        { word: "woodcutters", phones: "W UH D K AH T ER Z" },
      ]);
      for (const file of [woodcutters, shapeliness]) {
        const pcm = readWav(file);
        const before = await transcribe(recognizer, pcm);
        const after = await transcribe(recognizer, pcm, glossary);
        expect(before).not.toMatch(/woodcutters|shapeliness/);
        expect(after).toMatch(path.basename(file) === "LJ001-0003.wav" ? /\bwoodcutters\b/ : /\bshapeliness\b/);
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
      expect(without).not.toMatch(/woodcutters/);
      // And afterwards, whichever decoders the pool kept.
      expect(await transcribe(recognizer, pcm)).not.toMatch(/woodcutters/);
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
