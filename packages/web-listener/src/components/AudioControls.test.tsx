import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { AudioControls } from "./AudioControls.tsx";

afterEach(cleanup);

function controls() {
  const [enabled, setEnabled] = createSignal(false);
  const [textScale, setTextScale] = createSignal(1);
  render(() => (
    <AudioControls
      enabled={enabled()}
      volume={1}
      muted={false}
      textScale={textScale()}
      onEnable={() => setEnabled(true)}
      onVolume={() => {}}
      onMute={() => {}}
      onTextScale={setTextScale}
    />
  ));
  return { textScale };
}

describe("audio controls", () => {
  it("names the text size buttons by their visible text first, then what they do", () => {
    const { textScale } = controls();
    const smaller = screen.getByRole("button", { name: "A− smaller text" });
    const larger = screen.getByRole("button", { name: "A+ larger text" });
    fireEvent.click(larger);
    fireEvent.click(larger);
    expect(textScale()).toBe(1.2);
    fireEvent.click(smaller);
    expect(textScale()).toBe(1.1);
  });

  it("hands the focus from Enable audio to Mute, which takes its place", async () => {
    controls();
    const enable = screen.getByRole("button", { name: "Enable audio" });
    enable.focus();
    fireEvent.click(enable);
    await Promise.resolve();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Mute" }));
  });
});
