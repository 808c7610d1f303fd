/**
 * The benchmark's talk player against local mode (fixed-latency engines, a short clip at 4x): what it reports
 * with a listener, and that a talk nobody listens to (a bounded scale run that connected no listener) still
 * plays and reports nothing measured rather than failing.
 */
import { memoryLog } from "@livetranslate/core/log";
import { assembleTalk, untranscribedClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalMode, startLocal } from "../../server.ts";
import { FIXED_ENGINE_LANGUAGES, fixedLatencyEngines } from "../fixed-engines.ts";
import { closeAll, playTalk } from "./talk.ts";

describe("playTalk", () => {
  let local: LocalMode;
  beforeAll(async () => {
    local = await startLocal({ port: 0, log: memoryLog(), engines: fixedLatencyEngines(), consumerEnvironments: 1 });
  });
  afterAll(() => local?.close());
  // LJ001-0013: one sentence of 2.5 s.
  const talk = assembleTalk([{ file: untranscribedClips()[4]! }], 1000);
  const language = FIXED_ENGINE_LANGUAGES[4]!;

  it("measures each sentence at the first listener and counts the segments it arrived in", async () => {
    const run = await playTalk(local, talk, { targetLanguages: [language], listeners: [language], speed: 4 });
    await closeAll(run.listeners);
    expect(run.utterances).toHaveLength(1);
    expect(run.utterances[0]!.segments).toBe(1);
    expect(run.utterances[0]!.caption).toEqual(expect.any(Number));
  });

  it("plays a talk that no listener joined and reports nothing measured", async () => {
    const run = await playTalk(local, talk, { targetLanguages: [language], listeners: [], speed: 4 });
    expect(run.listeners).toEqual([]);
    expect(run.utterances).toHaveLength(1);
    expect(run.utterances[0]!).toEqual({ endMs: talk.utterances[0]!.voicedEndMs, voicedSeconds: expect.any(Number) });
  });
});
