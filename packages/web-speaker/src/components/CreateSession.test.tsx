import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CreateSession } from "./CreateSession.tsx";

describe("creating a session", () => {
  afterEach(cleanup);

  it("offers captions-only languages, said so, beside the voiced ones", () => {
    const onCreate = vi.fn();
    render(() => <CreateSession languages={{ source: ["en"], target: ["es", "gl"], captionsOnly: ["gl"] }} onCreate={onCreate} />);
    expect(screen.getByRole("checkbox", { name: "Español" })).toBeTruthy();
    expect(screen.getByRole("checkbox", { name: "Galego (captions only)" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Create session" }));
    expect(onCreate).toHaveBeenCalledWith("en", ["es", "gl"], false, []);
  });

  it("marks nothing captions only when the server does not say", () => {
    render(() => <CreateSession languages={{ source: ["en"], target: ["es", "gl"] }} onCreate={() => {}} />);
    expect(screen.getByRole("checkbox", { name: "Galego" })).toBeTruthy();
    expect(screen.queryByText(/captions only/)).toBeNull();
  });
});
