import type { ServerMessage } from "@livetranslate/core/protocol";
import { cleanup, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { type Announcement, announce, applyCaption, type Caption, MAX_ANNOUNCEMENTS } from "../captions.ts";
import { CaptionAnnouncer } from "./CaptionAnnouncer.tsx";
import { Captions } from "./Captions.tsx";

afterEach(cleanup);

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

describe("what a screen reader is told", () => {
  const part = (m: ServerMessage, index: number, lastPart = false) => ({ ...m, part: index, lastPart }) as ServerMessage;

  /** Feeds the messages as the app does: the announcement is judged against the captions before the message. */
  function follow(messages: ServerMessage[]): { captions: readonly Caption[]; announcements: readonly Announcement[] } {
    let captions: readonly Caption[] = [];
    let announcements: readonly Announcement[] = [];
    for (const m of messages) {
      announcements = announce(announcements, captions, m);
      captions = applyCaption(captions, m);
    }
    return { captions, announcements };
  }

  it("hears each part of a translation once, as it comes, and never the sentence again from its start", () => {
    const { announcements } = follow([
      part(transcript(4, "when the service starts"), 0),
      part(translation(4, "cuando el servicio arranca"), 0),
      part(transcript(4, "it reads the stream"), 1, true),
      part(translation(4, "lee el flujo"), 1, true),
      // Sent again (a retried batch): already said.
      part(translation(4, "lee el flujo"), 1, true),
      translation(5, "adiós"),
      translation(5, "adiós"),
    ]);
    expect(announcements.map((a) => a.text)).toEqual(["cuando el servicio arranca", "lee el flujo", "adiós"]);
  });

  it("hears a corrected translation, and nothing of transcripts or other messages", () => {
    const { announcements } = follow([transcript(1, "hello"), translation(1, "hola"), translation(1, "hola a todos"), { type: "pong" }]);
    expect(announcements.map((a) => a.text)).toEqual(["hola", "hola a todos"]);
  });

  it("keeps only the latest announcements in the live region", () => {
    const { announcements } = follow(Array.from({ length: MAX_ANNOUNCEMENTS + 5 }, (_, i) => translation(i + 1, `frase ${i + 1}`)));
    expect(announcements).toHaveLength(MAX_ANNOUNCEMENTS);
    expect(announcements.at(-1)!.text).toBe(`frase ${MAX_ANNOUNCEMENTS + 5}`);
  });

  it("appends each announcement as its own line of a polite log, in the listener's language; the caption list itself is not live", () => {
    const [announcements, setAnnouncements] = createSignal<readonly Announcement[]>([]);
    const [captions, setCaptions] = createSignal<readonly Caption[]>([]);
    render(() => (
      <>
        <Captions captions={captions()} language="es" sourceLanguage="en" />
        <CaptionAnnouncer announcements={announcements()} language="es" />
      </>
    ));
    const log = screen.getByRole("log", { name: "New captions" });
    expect(log.getAttribute("aria-live")).toBe("polite");
    expect(log.getAttribute("lang")).toBe("es");
    setAnnouncements([{ text: "cuando el servicio arranca" }]);
    const first = log.querySelector("p")!;
    setAnnouncements((a) => [...a, { text: "lee el flujo" }]);
    // The first line is the same node: only the new one is an addition a screen reader reads.
    expect(log.querySelector("p")).toBe(first);
    expect([...log.querySelectorAll("p")].map((p) => p.textContent)).toEqual(["cuando el servicio arranca", "lee el flujo"]);

    setCaptions(applyCaption(applyCaption([], part(transcript(4, "when the service starts"), 0)), part(translation(4, "cuando el servicio arranca"), 0)));
    const list = screen.getByRole("list", { name: "Captions" });
    expect(list.getAttribute("aria-live")).toBeNull();
    // Scrollable, so it takes the focus: the keyboard scrolls it back.
    expect(list.getAttribute("tabindex")).toBe("0");
    const item = list.querySelector("li")!;
    expect(item.querySelector(".translation")!.getAttribute("lang")).toBe("es");
    expect(item.querySelector(".source")!.getAttribute("lang")).toBe("en");
  });
});
