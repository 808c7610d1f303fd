import type { TranscriptMessage } from "@livetranslate/core/protocol";
import { render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { applyTranscript, type Transcript } from "../transcript.ts";
import { TranscriptView } from "./TranscriptView.tsx";

const message = (n: number, text: string, isFinal: boolean): TranscriptMessage => ({
  type: "transcript", sessionId: "s", segmentId: `s-${n}`, sequenceNumber: n, language: "en", text, isFinal, startMs: 0, endMs: 1,
});

describe("live transcript", () => {
  it("shows interim words greyed until the final line replaces them", () => {
    const [transcript, setTranscript] = createSignal<Transcript>({ finals: [] });
    render(() => <TranscriptView transcript={transcript()} />);
    setTranscript((t) => applyTranscript(t, message(1, "hello wor", false)));
    expect(screen.getByText("hello wor").className).toBe("interim");
    setTranscript((t) => applyTranscript(t, message(1, "hello world", true)));
    expect(screen.getByText("hello world").className).toBe("final");
    expect(screen.queryByText("hello wor")).toBeNull();
  });

  it("ignores a late interim for a segment already final, and a repeated final", () => {
    let t: Transcript = { finals: [] };
    t = applyTranscript(t, message(1, "one", true));
    t = applyTranscript(t, message(1, "on", false));
    t = applyTranscript(t, message(1, "one", true));
    expect(t).toEqual({ finals: [{ segmentId: "s-1", sequenceNumber: 1, text: "one" }], interim: undefined });
  });
});
