import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { MicrophoneControls } from "./MicrophoneControls.tsx";

afterEach(cleanup);

describe("microphone controls", () => {
  it("keeps one button, and the keyboard focus on it, from Start through Starting… to Stop and back", () => {
    const [capturing, setCapturing] = createSignal(false);
    const [starting, setStarting] = createSignal(false);
    const pressed: string[] = [];
    render(() => (
      <MicrophoneControls
        microphones={[]}
        microphone=""
        capturing={capturing()}
        starting={starting()}
        onMicrophone={() => {}}
        onStart={() => {
          pressed.push("start");
          setStarting(true);
        }}
        onStop={() => {
          pressed.push("stop");
          setCapturing(false);
        }}
      />
    ));
    const button = screen.getByRole("button", { name: "Start" });
    button.focus();
    fireEvent.click(button);
    expect(button.textContent).toBe("Starting…");
    expect(button.getAttribute("aria-disabled")).toBe("true");
    // A second press while starting starts nothing more.
    fireEvent.click(button);
    setCapturing(true);
    setStarting(false);
    expect(screen.getByRole("button", { name: "Stop" })).toBe(button);
    expect(button.getAttribute("aria-disabled")).toBeNull();
    fireEvent.click(button);
    expect(screen.getByRole("button", { name: "Start" })).toBe(button);
    expect(document.activeElement).toBe(button);
    expect(pressed).toEqual(["start", "stop"]);
  });
});
