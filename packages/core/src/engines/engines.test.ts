import { afterAll, beforeAll, describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { msToSamples } from "../audio/index.ts";
import { chunksOf, englishClips, readWav, wordErrorRate } from "../testing/fixtures.ts";
import { ApertiumTranslator, closeEngines, detectLocalEngines, EspeakSynthesizer, PocketsphinxRecognizer, supportedLanguages } from "./index.ts";

describe("PocketsphinxRecognizer (real pocketsphinx)", () => {
  const recognizer = new PocketsphinxRecognizer();
  afterAll(() => recognizer.close());

  it("transcribes real speech fed in 100 ms pieces, with growing interim hypotheses", async () => {
    let errors = 0;
    let words = 0;
    const lines: string[] = [];
    let started = performance.now();
    let audioSeconds = 0;
    for (const clip of englishClips()) {
      const pcm = readWav(clip.file);
      audioSeconds += pcm.length / 16_000;
      const utterance = recognizer.startUtterance("en");
      const interims: string[] = [];
      for (const chunk of chunksOf(pcm, 100)) interims.push(await utterance.write(chunk));
      const text = await utterance.finish();
      expect(interims.filter(Boolean).length).toBeGreaterThan(0);
      const wer = wordErrorRate(clip.text, text);
      const n = clip.text.split(/\s+/).length;
      errors += wer * n;
      words += n;
      lines.push(`${clip.file.split("/").pop()} WER ${(wer * 100).toFixed(0)}%: ${text}`);
    }
    const rtf = (performance.now() - started) / 1000 / audioSeconds;
    console.log(`pocketsphinx: WER ${((errors / words) * 100).toFixed(1)}% over ${words} words, real-time factor ${rtf.toFixed(2)}\n  ${lines.join("\n  ")}`);
    expect(errors / words).toBeLessThan(0.7);
  });

  it("keeps concurrent utterances apart (one decoder each)", async () => {
    const [a, b] = englishClips();
    const pcmA = readWav(a!.file);
    const pcmB = readWav(b!.file);
    const ua = recognizer.startUtterance("en");
    const ub = recognizer.startUtterance("en");
    const chunksA = [...chunksOf(pcmA, 100)];
    const chunksB = [...chunksOf(pcmB, 100)];
    await Promise.all([Promise.all(chunksA.map((c) => ua.write(c))), Promise.all(chunksB.map((c) => ub.write(c)))]);
    const [ta, tb] = await Promise.all([ua.finish(), ub.finish()]);
    expect(wordErrorRate(a!.text, ta)).toBeLessThan(wordErrorRate(b!.text, ta));
    expect(wordErrorRate(b!.text, tb)).toBeLessThan(wordErrorRate(a!.text, tb));
  });

  it("hears nothing in silence, and refuses other languages", async () => {
    const u = recognizer.startUtterance("en");
    await u.write(new Int16Array(msToSamples(1000)));
    expect(await u.finish()).toBe("");
    expect(() => recognizer.startUtterance("fr")).toThrow(/English only/);
  });
});

describe("EspeakSynthesizer (eSpeak NG WASM)", () => {
  let synthesizer: EspeakSynthesizer;
  beforeAll(async () => {
    synthesizer = await EspeakSynthesizer.load();
  });

  it.each(["es", "fr", "pt", "it", "ca", "eo", "en"])("speaks %s as a decodable WAV of plausible length", async (language) => {
    const started = performance.now();
    const audio = await synthesizer.synthesize("La casa es roja y el perro es negro.", language);
    const ms = performance.now() - started;
    expect(audio.format).toBe("audio/wav");
    const wav = new wavefile.WaveFile(audio.data);
    const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
    expect(fmt).toMatchObject({ sampleRate: 22_050, numChannels: 1, bitsPerSample: 16 });
    const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
    expect(samples.length / fmt.sampleRate).toBeCloseTo(audio.durationSeconds, 3);
    expect(audio.durationSeconds).toBeGreaterThan(1);
    expect(audio.durationSeconds).toBeLessThan(5);
    // Real speech, not silence.
    expect(Math.max(...samples.slice(0, 20_000).map(Math.abs))).toBeGreaterThan(1000);
    console.log(`eSpeak ${language}: ${audio.durationSeconds.toFixed(2)} s of audio in ${ms.toFixed(0)} ms`);
  });

  it("has no voice for a language eSpeak lacks, and says so", async () => {
    expect(synthesizer.languages).not.toContain("gl");
    await expect(synthesizer.synthesize("Ola", "gl")).rejects.toThrow(/no voice for "gl"/);
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

describe("detectLocalEngines", () => {
  it("finds all three engines here and reports what listeners can pick", async () => {
    const detected = await detectLocalEngines();
    expect(detected.problems).toEqual([]);
    const languages = supportedLanguages({ recognizer: detected.recognizer!, translator: detected.translator!, synthesizer: detected.synthesizer! });
    expect(languages.source).toEqual(["en"]);
    expect(languages.target).toEqual(expect.arrayContaining(["es", "fr", "pt", "it", "ca", "eo"]));
    await closeEngines(detected);
  });
});
