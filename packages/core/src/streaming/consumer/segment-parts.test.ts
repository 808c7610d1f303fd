import { describe, expect, it } from "vitest";
import type { HeardWord } from "../../ports/index.ts";
import { afterCommitted, atClause, atPause, CLAUSE_OPENERS, lastPart, partsOf, settledWords } from "./segment-parts.ts";

describe("segment parts: what goes out while the speaker goes on", () => {
  const open = () => partsOf(undefined, 7, 1_000);

  it("commits the words final at a pause once they make a clause, and the rest when the segment closes", () => {
    const first = atPause(open(), "when the service starts", 20_000);
    expect(first).toMatchObject({ commit: true, index: 0, text: "when the service starts", startSample: 1_000 });
    const second = atPause(first.state, "it reads the stream", 40_000);
    expect(second).toMatchObject({ commit: true, index: 1, text: "it reads the stream", startSample: 20_000 });
    expect(lastPart(second.state, "when the service starts it reads the stream from the start")).toEqual({
      index: 2,
      text: "from the start",
      startSample: 40_000,
      exact: true,
    });
  });

  it("holds a phrase too short to go alone and sends it with the next", () => {
    const short = atPause(open(), "so", 8_000);
    expect(short.commit).toBe(false);
    const next = atPause(short.state, "we begin now", 30_000);
    expect(next).toMatchObject({ commit: true, index: 0, text: "so we begin now", startSample: 1_000 });
    // Held words left when the segment closes are in its last part.
    const held = atPause(next.state, "and then", 40_000);
    expect(lastPart(held.state, "so we begin now and then stop")).toMatchObject({ index: 1, text: "and then stop", exact: true });
  });

  it("does not cut a glossary term in two: a part that would end inside one waits for the next pause", () => {
    const terms = ["Amazon Kinesis Data Streams", "Lambda"];
    const cut = atPause(open(), "the audio goes to Amazon Kinesis", 20_000, { terms });
    expect(cut.commit).toBe(false);
    expect(atPause(cut.state, "Data Streams and then on", 40_000, { terms })).toMatchObject({ commit: true, text: "the audio goes to Amazon Kinesis Data Streams and then on" });
    // Ending on a whole term, or on a word that merely appears in one elsewhere, is fine.
    expect(atPause(open(), "it runs on Lambda", 20_000, { terms }).commit).toBe(true);
    expect(atPause(open(), "we read the streams", 20_000, { terms }).commit).toBe(true);
  });

  it("stops committing once a pause went unheard, and the close sends everything not yet sent", () => {
    const first = atPause(open(), "one two three", 10_000);
    const unheard = atPause(first.state, undefined, 20_000);
    expect(unheard.commit).toBe(false);
    expect(atPause(unheard.state, "four five six", 30_000).commit).toBe(false);
    expect(lastPart(unheard.state, "one two three four five six seven").text).toBe("four five six seven");
  });

  it("never repeats a committed word when the final text was heard differently", () => {
    const first = atPause(open(), "the quick brown", 10_000);
    expect(lastPart(first.state, "a quick brown fox jumps")).toEqual({ index: 1, text: "fox jumps", startSample: 10_000, exact: false });
    // Case and punctuation are not differences.
    expect(lastPart(first.state, "The quick, brown fox.").exact).toBe(true);
  });

  it("starts afresh for another segment, even one that took the number of a segment found to be noise", () => {
    const first = atPause(open(), "one two three", 10_000);
    expect(partsOf(first.state, 7, 1_000)).toBe(first.state);
    expect(partsOf(first.state, 8, 50_000).committed).toEqual([]);
    expect(partsOf(first.state, 7, 60_000).committed).toEqual([]);
  });

  describe("inside a phrase, at a clause boundary", () => {
    const en = CLAUSE_OPENERS.en;
    /** Words 100 ms apart from the segment's start (1 600 samples each), stable up to `stable` words. */
    const heard = (text: string, stable = Infinity): HeardWord[] =>
      text.split(" ").map((word, i) => ({ text: word, endSample: (i + 1) * 1_600, stable: i < stable }));

    it("commits the stable words before a stable word that opens a clause, and the phrase's rest at its pause", () => {
      const decision = atClause(open(), heard("the printers worked for centuries before the woodcutters", 6), 1_000, { openers: en });
      // "before" is stable: the part ends with "centuries", where that word ends in the session's audio.
      expect(decision).toMatchObject({ commit: true, index: 0, text: "the printers worked for centuries", startSample: 1_000, endSample: 1_000 + 5 * 1_600 });
      // The final pass heard the committed words a little differently: only what follows them goes out at the pause.
      const pause = atPause(decision.state, "the printer worked for centuries before the woodcutters did", 30_000);
      expect(pause).toMatchObject({ commit: true, index: 1, text: "before the woodcutters did", startSample: 1_000 + 5 * 1_600, endSample: 30_000 });
      expect(lastPart(pause.state, "the printer worked for centuries before the woodcutters did so").text).toBe("so");
    });

    it("waits while the opener or the words before it may still change, and for a clause long enough to go alone", () => {
      expect(atClause(open(), heard("the printers worked for centuries before the", 5), 1_000, { openers: en }).commit).toBe(false);
      expect(atClause(open(), heard("it worked and then", 4), 1_000, { openers: en }).commit).toBe(false); // "it worked": 2 words
      expect(atClause(open(), heard("it worked well and then", 5), 1_000, { openers: en }).commit).toBe(true);
      // Without a list for the language, only punctuation marks a boundary.
      expect(atClause(open(), heard("it worked well and then", 5), 1_000).commit).toBe(false);
      expect(atClause(open(), heard("it worked well, then it stopped", 5), 1_000)).toMatchObject({ commit: true, text: "it worked well,", endSample: 1_000 + 3 * 1_600 });
    });

    it("commits each clause once: later ones after it, and none once the hypothesis changed under it", () => {
      const first = atClause(open(), heard("we read the stream and we write it because we must", 6), 1_000, { openers: en });
      expect(first).toMatchObject({ commit: true, text: "we read the stream" });
      expect(atClause(first.state, heard("we read the stream and we write it because we must", 6), 1_000, { openers: en }).commit).toBe(false);
      const second = atClause(first.state, heard("we read the stream and we write it because we must", 9), 1_000, { openers: en });
      expect(second).toMatchObject({ commit: true, index: 1, text: "and we write it", startSample: 1_000 + 4 * 1_600 });
      expect(atClause(first.state, heard("we read these streams and we write it because we must", 9), 1_000, { openers: en }).commit).toBe(false);
    });

    it("sends words held from an earlier pause with the clause, and never ends a part inside a glossary term", () => {
      const short = atPause(open(), "so", 8_000);
      expect(atClause(short.state, heard("we begin and then", 3), 8_000, { openers: en })).toMatchObject({ commit: true, text: "so we begin", startSample: 1_000 });
      const terms = ["Amazon Kinesis Data Streams"];
      expect(atClause(open(), heard("it goes to Amazon Kinesis and on", 6), 1_000, { openers: en, terms }).commit).toBe(false);
      expect(atClause({ ...open(), broken: true }, heard("it worked well and then", 5), 1_000, { openers: en }).commit).toBe(false);
    });

    it("ends no part where the segment may yet be cut: an earlier clause boundary goes, a later pause breaks the parts", () => {
      const words = heard("we read the stream and we write it because we must", 9);
      // "because" would end the part at 1 000 + 8 x 1 600; with the cut window from 12 000 on, "and" ends it earlier.
      expect(atClause(open(), words, 1_000, { openers: en, endBy: 12_000 })).toMatchObject({ commit: true, text: "we read the stream", endSample: 1_000 + 4 * 1_600 });
      expect(atClause(open(), words, 1_000, { openers: en, endBy: 7_000 }).commit).toBe(false);
      const pause = atPause(open(), "when the service starts", 20_000, { endBy: 19_000 });
      expect(pause).toMatchObject({ commit: false, state: { broken: true } });
    });

    it("judges stability by two successive hypotheses where the recognizer does not say", () => {
      const words = (text: string): HeardWord[] => text.split(" ").map((w, i) => ({ text: w, endSample: i }));
      const stable = (ws: HeardWord[]) => ws.filter((w) => w.stable).map((w) => w.text);
      expect(stable(settledWords(undefined, words("a b c")))).toEqual([]);
      expect(stable(settledWords(words("we read a"), words("we read the stream")))).toEqual(["we", "read"]);
      // A word the recognizer marks keeps its mark.
      expect(settledWords(undefined, [{ text: "fixed", endSample: 1, stable: true }])[0]!.stable).toBe(true);
    });

    it("finds where the committed words end in a final text that split, merged or changed them", () => {
      expect(afterCommitted("we cannot go home now".split(" "), "we can not go".split(" "))).toEqual({ rest: ["home", "now"], exact: false, changes: 2 });
      expect(afterCommitted("we can not go home".split(" "), "we cannot go".split(" "))).toEqual({ rest: ["home"], exact: false, changes: 2 });
      expect(afterCommitted("We read, then".split(" "), "we read".split(" "))).toEqual({ rest: ["then"], exact: true, changes: 0 });
      expect(afterCommitted(["one"], [])).toEqual({ rest: ["one"], exact: true, changes: 0 });
    });
  });
});
