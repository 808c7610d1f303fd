import { describe, expect, it } from "vitest";
import { atPause, lastPart, partsOf } from "./segment-parts.ts";

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
    const cut = atPause(open(), "the audio goes to Amazon Kinesis", 20_000, terms);
    expect(cut.commit).toBe(false);
    expect(atPause(cut.state, "Data Streams and then on", 40_000, terms)).toMatchObject({ commit: true, text: "the audio goes to Amazon Kinesis Data Streams and then on" });
    // Ending on a whole term, or on a word that merely appears in one elsewhere, is fine.
    expect(atPause(open(), "it runs on Lambda", 20_000, terms).commit).toBe(true);
    expect(atPause(open(), "we read the streams", 20_000, terms).commit).toBe(true);
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
});
