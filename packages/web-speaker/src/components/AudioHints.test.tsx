import { render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { AudioHint } from "../audio-quality.ts";
import { AudioHints } from "./AudioHints.tsx";

describe("microphone hints", () => {
  it("shows each hint in plain words with its fix, and nothing when all is well", () => {
    const [hints, setHints] = createSignal<readonly AudioHint[]>([]);
    render(() => <AudioHints hints={hints()} />);
    expect(screen.queryByRole("list", { name: "Microphone hints" })).toBeNull();
    setHints(["too-quiet", "noisy-room"]);
    const items = screen.getByRole("list", { name: "Microphone hints" }).querySelectorAll("li");
    expect([...items].map((li) => li.textContent)).toEqual([
      "Your voice is very quiet. Move closer to the microphone.",
      "There is a lot of background noise. Close doors and windows, or use a microphone close to your mouth, such as a headset.",
    ]);
    setHints(["no-signal"]);
    expect(screen.getByText("No sound is reaching the microphone.").parentElement!.textContent).toContain("plugged in and not muted");
    setHints([]);
    expect(screen.queryByRole("list", { name: "Microphone hints" })).toBeNull();
  });
});
