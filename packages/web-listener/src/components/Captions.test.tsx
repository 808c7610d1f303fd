import type { ServerMessage } from "@livetranslate/core/protocol";
import { render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { applyCaption, type Caption } from "../captions.ts";
import { Captions } from "./Captions.tsx";

const transcript = (n: number, text: string): ServerMessage => ({
  type: "transcript", sessionId: "s", segmentId: `s-${n}`, sequenceNumber: n, language: "en", text, isFinal: true, startMs: 0, endMs: 1,
});
const translation = (n: number, text: string): ServerMessage => ({
  type: "translation", sessionId: "s", segmentId: `s-${n}`, sequenceNumber: n, targetLanguage: "es", text,
});

describe("captions", () => {
  it("pairs each segment's source and translation, in sequence order, whatever the arrival order", () => {
    let captions: readonly Caption[] = [];
    for (const m of [transcript(2, "two"), transcript(1, "one"), translation(2, "dos"), translation(1, "uno"), transcript(1, "one")]) {
      captions = applyCaption(captions, m);
    }
    expect(captions).toEqual([
      { segmentId: "s-1", sequenceNumber: 1, source: "one", translation: "uno" },
      { segmentId: "s-2", sequenceNumber: 2, source: "two", translation: "dos" },
    ]);
  });

  it("grows a segment sent in parts as its parts come, each in its place whatever the arrival order", () => {
    const part = (m: ServerMessage, index: number, lastPart = false) => ({ ...m, part: index, lastPart }) as ServerMessage;
    let captions: readonly Caption[] = [];
    for (const m of [part(transcript(4, "when the service starts"), 0), part(translation(4, "cuando el servicio arranca"), 0)]) captions = applyCaption(captions, m);
    expect(captions).toMatchObject([{ sequenceNumber: 4, source: "when the service starts", translation: "cuando el servicio arranca" }]);
    // The last part's translation overtakes its transcript; a repeated part changes nothing.
    for (const m of [part(translation(4, "lee el flujo"), 1, true), part(transcript(4, "it reads the stream"), 1, true), part(transcript(4, "when the service starts"), 0)]) {
      captions = applyCaption(captions, m);
    }
    expect(captions).toMatchObject([
      { sequenceNumber: 4, source: "when the service starts it reads the stream", translation: "cuando el servicio arranca lee el flujo" },
    ]);
    expect(captions).toHaveLength(1);
  });

  it("ignores interim transcripts and other messages", () => {
    const before: readonly Caption[] = [];
    expect(applyCaption(before, { ...transcript(1, "x"), isFinal: false } as ServerMessage)).toBe(before);
    expect(applyCaption(before, { type: "pong" })).toBe(before);
  });

  it("shows the translation large with its source, newest at the bottom, and a placeholder until translated", async () => {
    const [captions, setCaptions] = createSignal<readonly Caption[]>([]);
    render(() => <Captions captions={captions()} />);
    expect(screen.getByText("Waiting for the speaker…")).toBeTruthy();
    setCaptions((c) => applyCaption(c, transcript(1, "hello")));
    expect(screen.getByText("…")).toBeTruthy();
    setCaptions((c) => applyCaption(applyCaption(applyCaption(c, translation(1, "hola")), transcript(2, "bye")), translation(2, "adiós")));
    const items = screen.getByRole("list", { name: "Captions" }).querySelectorAll("li");
    expect([...items].map((li) => li.querySelector(".translation")!.textContent)).toEqual(["hola", "adiós"]);
    expect(items[1]!.querySelector(".source")!.textContent).toBe("bye");
  });
});
