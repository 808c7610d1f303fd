/**
 * How far a segment's parts, each translated as it goes out, read from the whole segment translated at once: chrF
 * (sacreBLEU's default) of the parts' translations joined against the whole's, per target language, with the local
 * engines. The parts are cut where the product cuts them: the fixture talk goes through the segmenter and one
 * pocketsphinx stream (`LiveRecognition`, the consumer's) in 100 ms chunks, one batch per chunk as a session that
 * stays in one execution environment, and the commit rules (`atPause`, `atClause`, `lastPart`) decide the parts on
 * the recognizer's own words and word timings. Nothing here depends on time: pocketsphinx decodes the same audio
 * the same way, so every run cuts the same parts and measures the same figures.
 */
import { memoryLog } from "@livetranslate/core/log";
import { ApertiumTranslator, PocketsphinxRecognizer } from "@livetranslate/core/adapters/engines";
import { atClause, atPause, CLAUSE_OPENERS, type CommitRules, lastPart, LiveRecognition, mayEndAt, partsOf, type SegmentParts } from "@livetranslate/core/streaming/consumer";
import { type PartTranslationMethod, translatePart } from "@livetranslate/core/streaming/pipeline";
import { Segmenter } from "@livetranslate/core/streaming/segmenter";
import { chrf } from "@livetranslate/testing/chrf";
import { assembleTalk, chunksOf } from "@livetranslate/testing/fixtures";
import { clipsFor } from "./talk.ts";

const SESSION = "parts-vs-whole";
const SOURCE = "en";

/** A segment as the product sent it: its parts' texts in order (their words are the segment's). */
export interface CutSegment {
  parts: string[];
  /** What committed each part. */
  cuts: ("pause" | "clause" | "close")[];
}

/** The fixture talk cut into segments and parts by the product's segmenter, recognizer stream and commit rules. */
export async function cutTalk(clips: number): Promise<CutSegment[]> {
  const talk = assembleTalk(clipsFor(clips), 1000);
  const recognizer = new PocketsphinxRecognizer();
  const recognition = new LiveRecognition(recognizer, memoryLog());
  const segmenter = new Segmenter();
  const segments: CutSegment[] = [];
  let state: SegmentParts | undefined;
  let cuts: CutSegment["cuts"] = [];
  const rules = (segmentStartSample: number): CommitRules => ({ openers: CLAUSE_OPENERS[SOURCE], endBy: segmenter.cutWindowStart(segmentStartSample) });
  const batch = async (events: Awaited<ReturnType<Segmenter["push"]>>) => {
    // As the consumer does: the audio to the stream as it comes, then pauses and closes in order, then clauses.
    const jobs: (() => Promise<void>)[] = [];
    for (const event of events) {
      if (event.type === "audio") recognition.feed(SESSION, SOURCE, event.startSample, event.pcm, event.segmentStartSample);
      else if (event.type === "discard") recognition.abandonSegment(SESSION);
      else if (event.type === "pause") {
        const { sequenceNumber, segmentStartSample, atSample } = event;
        const words = recognition.pause(SESSION, segmentStartSample, atSample);
        jobs.push(async () => {
          const r = rules(segmentStartSample);
          const heard = mayEndAt(r, atSample) ? await words?.catch(() => undefined) : undefined;
          const decision = atPause(partsOf(state, sequenceNumber, segmentStartSample), heard, atSample, r);
          state = decision.state;
          if (decision.commit) cuts.push("pause");
        });
      } else {
        const transcribe = recognition.take(SESSION, SOURCE, event.segment);
        jobs.push(async () => {
          const parts = partsOf(state, event.segment.sequenceNumber, event.segment.startSample);
          const last = lastPart(parts, await transcribe());
          const texts = [...parts.committed, last.text].filter((t) => t.length > 0);
          if (last.text) cuts.push("close");
          if (texts.length > 0) segments.push({ parts: texts, cuts });
          state = undefined;
          cuts = [];
        });
      }
    }
    for (const job of jobs) await job();
    const open = segmenter.openSegment;
    if (!open) return;
    const heard = await recognition.phraseWords(SESSION, open.startSample);
    const decision = heard && atClause(partsOf(state, open.sequenceNumber, open.startSample), heard, open.startSample, rules(open.startSample));
    if (decision?.commit) {
      state = decision.state;
      cuts.push("clause");
    }
  };
  try {
    for (const chunk of chunksOf(talk.pcm, 100)) await batch(await segmenter.push(chunk));
    await batch(segmenter.flush());
  } finally {
    recognition.close();
    recognizer.close();
  }
  return segments;
}

/**
 * Each segment's parts translated as the pipeline translates them, alone or in context, joined; and the characters
 * sent to the translator for them (what Amazon Translate would bill).
 */
async function partsTranslated(translator: ApertiumTranslator, segment: CutSegment, target: string, inContext: boolean) {
  const methods: PartTranslationMethod[] = [];
  const texts: string[] = [];
  let characters = 0;
  const counting = { translate: (text: string, from: string, to: string) => ((characters += text.length), translator.translate(text, from, to)) };
  for (const [i, text] of segment.parts.entries()) {
    const part = await translatePart(counting, { text, before: segment.parts.slice(0, i).join(" ") }, SOURCE, target, undefined, inContext);
    texts.push(part.text);
    methods.push(part.method);
  }
  return { text: texts.filter((t) => t.length > 0).join(" "), methods, characters };
}

/** One target language over the segments in parts: chrF alone and in context, how parts went, and what it cost. */
async function measureLanguage(translator: ApertiumTranslator, inParts: readonly CutSegment[], target: string) {
  const alone: { hypothesis: string; reference: string }[] = [];
  const inContext: { hypothesis: string; reference: string }[] = [];
  const characters = { whole: 0, parts_alone: 0, parts_in_context: 0 };
  let context = 0;
  let fallback = 0;
  let example: { parts: string[]; whole: string; alone: string; in_context: string } | undefined;
  for (const segment of inParts) {
    const whole = (await translator.translate(segment.parts.join(" "), SOURCE, target)).trim();
    const a = await partsTranslated(translator, segment, target, false);
    const c = await partsTranslated(translator, segment, target, true);
    alone.push({ hypothesis: a.text, reference: whole });
    inContext.push({ hypothesis: c.text, reference: whole });
    characters.whole += segment.parts.join(" ").length;
    characters.parts_alone += a.characters;
    characters.parts_in_context += c.characters;
    context += c.methods.filter((m) => m === "context").length;
    fallback += c.methods.filter((m) => m === "fallback").length;
    example ??= { parts: segment.parts, whole, alone: a.text, in_context: c.text };
  }
  const round = (v: number) => Number(v.toFixed(1));
  return { chrf: { alone: round(chrf(alone)), in_context: round(chrf(inContext)), parts_in_context: context, parts_fallback: fallback }, characters, example };
}

export async function partsVsWhole(clips = 20) {
  const segments = await cutTalk(clips);
  const inParts = segments.filter((s) => s.parts.length > 1);
  // Nothing here is timed, and a pipeline's first request starts a dozen processes: on a busy machine that may
  // take longer than the product lets a request wait.
  const translator = new ApertiumTranslator({ timeoutMs: 30_000 });
  const chrfByLanguage: Record<string, Awaited<ReturnType<typeof measureLanguage>>["chrf"]> = {};
  const examples: Record<string, Awaited<ReturnType<typeof measureLanguage>>["example"]> = {};
  let characters: Awaited<ReturnType<typeof measureLanguage>>["characters"] | undefined;
  /** Languages whose translator failed, with the error: the others are still measured. */
  const failed: Record<string, string> = {};
  try {
    for (const { target } of translator.pairs) {
      try {
        const measured = await measureLanguage(translator, inParts, target);
        chrfByLanguage[target] = measured.chrf;
        examples[target] = measured.example;
        characters ??= measured.characters;
      } catch (error) {
        failed[target] = error instanceof Error ? error.message : String(error);
      }
    }
  } finally {
    await translator.close();
  }
  const cutCounts = segments.flatMap((s) => s.cuts).reduce<Record<string, number>>((n, cut) => ({ ...n, [cut]: (n[cut] ?? 0) + 1 }), {});
  return {
    talk: `${clips} fixture sentences, 1 s apart, 100 ms chunks, one batch per chunk (sticky routing)`,
    cuts: "the product's segmenter and pocketsphinx stream (LiveRecognition), parts committed by segment-parts.ts (atPause, atClause, lastPart) on the recognizer's words and word ends",
    measure: "chrF (sacreBLEU defaults: character 6-grams, beta 2), corpus level, of each segment's parts' translations joined against the whole segment's translation, over the segments sent in more than one part; Apertium",
    methods: {
      alone: "each part translated alone; a continuation starting in lower case (before this change)",
      in_context: "each part after the first translated with its segment's words before it, the words its translation adds kept when the context's translation starts the whole's (give or take one word), else alone (parts_fallback)",
    },
    segments: segments.length,
    segments_in_parts: inParts.length,
    parts: inParts.reduce((n, s) => n + s.parts.length, 0),
    parts_committed_at: cutCounts,
    chrf: chrfByLanguage,
    failed,
    /** For one target language, over the segments in parts: what a translator billing by the character counts. */
    characters_translated: characters,
    example: examples,
  };
}
