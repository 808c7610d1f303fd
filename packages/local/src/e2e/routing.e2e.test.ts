/**
 * Where a batch lands must not change what listeners get. The same real-speech talk runs twice through local mode
 * (its own process, real engines, 4 execution environments): once with each session's batches kept in one warm
 * environment (sticky: one recognizer stream for the talk), once with batches routed at random (seeded), where
 * environments rebuild the open segment from the stream and replay it into their own recognizer streams. Both must
 * give the same segments with the same source text, each delivered once per listener language.
 */
import type { CreateSessionResponse, ServerMessage } from "@livetranslate/core/protocol";
import { msToSamples } from "@livetranslate/core/audio";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { ProtocolClient, streamInRealTime } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

type Final = Extract<ServerMessage, { type: "transcript" }>;

const LISTENER_LANGUAGES = ["es", "fr"] as const;

interface Run {
  /** Final transcripts as each listener language received them. */
  finals: Map<string, Final[]>;
  listeners: Map<string, ProtocolClient>;
}

/** Three short clips (about 20 s of speech): enough segments for batches to move between environments. */
const talk = assembleTalk([englishClips()[1]!, englishClips()[3]!, englishClips()[4]!], 1000);

async function runTalk(routing: "sticky" | "random"): Promise<Run> {
  let local: LocalProcess | undefined;
  const clients: ProtocolClient[] = [];
  try {
    local = await startLocalProcess({ LIVETRANSLATE_CONSUMER_ENVIRONMENTS: "4", LIVETRANSLATE_CONSUMER_ROUTING: routing, LIVETRANSLATE_SEED: "3" });
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: [...LISTENER_LANGUAGES] }),
    });
    expect(response.status).toBe(201);
    const session = (await response.json()) as CreateSessionResponse;
    const listeners = new Map<string, ProtocolClient>();
    for (const language of LISTENER_LANGUAGES) {
      const client = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language });
      clients.push(client);
      listeners.set(language, client);
    }
    const speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    clients.push(speaker);
    const chunks = [...chunksOf(talk.pcm, 100), ...chunksOf(new Int16Array(msToSamples(1000)), 100)];
    await streamInRealTime(speaker, session.sessionId, chunks);
    // Everything spoken is delivered before sessionEnded (the protocol's order).
    speaker.send({ action: "endSession", sessionId: session.sessionId });
    for (const client of listeners.values()) {
      await client.waitFor(() => client.messages("sessionEnded").length > 0, 120_000, `sessionEnded (${routing} routing)`);
    }
    const finals = new Map([...listeners].map(([language, client]) => [language, client.messages("transcript").filter((t) => t.isFinal)]));
    return { finals, listeners };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await local?.stop();
  }
}

describe("random routing over 4 execution environments gives what sticky routing gives", () => {
  let sticky: Run;
  let random: Run;

  beforeAll(async () => {
    // One after the other: side by side they would skew each other's real-time audio on 2 cores.
    sticky = await runTalk("sticky");
    random = await runTalk("random");
  }, scaledTimeout(420_000));


  const segments = (run: Run, language: string) => run.finals.get(language)!.map((t) => ({ segmentId: t.segmentId, startMs: t.startMs, endMs: t.endMs, text: t.text }));

  it("gives the same segments with the same source transcripts", () => {
    const reference = segments(sticky, "es");
    console.log(`sticky routing:\n  ${reference.map((s) => `${s.segmentId} ${s.startMs}-${s.endMs} ms "${s.text}"`).join("\n  ")}`);
    expect(reference.length).toBeGreaterThanOrEqual(talk.utterances.length);
    expect(reference.every((s) => s.text.length > 0)).toBe(true);
    for (const language of LISTENER_LANGUAGES) {
      // Segment ids name the session, which differs between the runs: compared by sequence number.
      const strip = (s: ReturnType<typeof segments>[number]) => ({ ...s, segmentId: s.segmentId.split("-").at(-1) });
      expect(segments(random, language).map(strip), `random routing, ${language}`).toEqual(reference.map(strip));
      expect(segments(sticky, language).map(strip), `sticky routing, ${language}`).toEqual(reference.map(strip));
    }
  });

  it("loses and doubles nothing: each segment's transcript, translation and audio once per listener language", () => {
    for (const [routing, run] of [["sticky", sticky], ["random", random]] as const) {
      for (const language of LISTENER_LANGUAGES) {
        const client = run.listeners.get(language)!;
        const ids = run.finals.get(language)!.map((t) => t.segmentId);
        const what = `${routing} routing, ${language}`;
        expect(new Set(ids).size, what).toBe(ids.length);
        for (const type of ["translation", "translatedAudio"] as const) {
          const sent = client.messages(type).map((m) => m.segmentId);
          expect(sent.sort(), `${what}: ${type}`).toEqual([...ids].sort());
        }
        expect(client.messages("translation").every((m) => m.targetLanguage === language), what).toBe(true);
      }
    }
  });
});
