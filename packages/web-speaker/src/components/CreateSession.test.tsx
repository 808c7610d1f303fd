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
    expect(onCreate).toHaveBeenCalledWith("en", ["es", "gl"], false, [], true);
  });

  it("marks nothing captions only when the server does not say", () => {
    render(() => <CreateSession languages={{ source: ["en"], target: ["es", "gl"] }} onCreate={() => {}} />);
    expect(screen.getByRole("checkbox", { name: "Galego" })).toBeTruthy();
    expect(screen.queryByText(/captions only/)).toBeNull();
  });

  it("sends the glossary box's entries and the transcript choice, and will not create with a line it cannot read", () => {
    const onCreate = vi.fn();
    render(() => <CreateSession languages={{ source: ["en"], target: ["es"] }} onCreate={onCreate} />);
    fireEvent.input(screen.getByRole("textbox", { name: "Glossary" }), { target: { value: "= nothing" } });
    expect(screen.getByRole("alert").textContent).toContain("line 1");
    fireEvent.click(screen.getByRole("button", { name: "Create session" }));
    expect(onCreate).not.toHaveBeenCalled();
    fireEvent.input(screen.getByRole("textbox", { name: "Glossary" }), { target: { value: "Kinesis\nstream = flujo" } });
    fireEvent.click(screen.getByRole("checkbox", { name: /Keep a transcript/ }));
    fireEvent.click(screen.getByRole("checkbox", { name: /^Private/ }));
    fireEvent.click(screen.getByRole("button", { name: "Create session" }));
    expect(onCreate).toHaveBeenCalledWith(
      "en",
      ["es"],
      true,
      [
        { term: "Kinesis", translations: {} },
        { term: "stream", translations: { es: "flujo" } },
      ],
      false,
    );
  });
});
