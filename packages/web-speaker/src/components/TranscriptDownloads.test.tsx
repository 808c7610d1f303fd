import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TranscriptDownloads } from "./TranscriptDownloads.tsx";

const session = { sessionId: "calm-river-101", speakerToken: "tok", sourceLanguage: "en", targetLanguages: ["es"] };

describe("transcript downloads", () => {
  afterEach(cleanup);
  it("fetches each language and format with the speaker's token and saves it under a readable name", async () => {
    const fetch = vi.fn(async () => new Response("WEBVTT\n", { status: 200 }));
    const saved: string[] = [];
    render(() => <TranscriptDownloads http="http://api" session={session} fetch={fetch as never} save={(name) => saved.push(name)} />);
    fireEvent.click(screen.getByRole("button", { name: "Español WebVTT" }));
    await waitFor(() => expect(saved).toEqual(["calm-river-101-es.vtt"]));
    expect(fetch).toHaveBeenCalledWith("http://api/sessions/calm-river-101/transcript?language=es&format=vtt", { headers: { authorization: "Bearer tok" } });
    expect(screen.getByRole("button", { name: "English Text" })).toBeTruthy();
  });

  it("says what the server said when it refuses", async () => {
    const fetch = vi.fn(async () => Response.json({ error: { code: "not_found", message: "this session keeps no transcript" } }, { status: 404 }));
    render(() => <TranscriptDownloads http="http://api" session={session} fetch={fetch as never} save={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "English SubRip" }));
    expect((await screen.findByRole("alert")).textContent).toBe("this session keeps no transcript");
  });
});
