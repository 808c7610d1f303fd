import { render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { type Overload, OverloadNotice } from "./OverloadNotice.tsx";

describe("overload notice", () => {
  it("says how far behind the server is and what listeners miss, and goes when it has caught up", () => {
    const [overload, setOverload] = createSignal<Overload | undefined>();
    render(() => <OverloadNotice overload={overload()} />);
    expect(screen.queryByRole("alert", { name: "Overload" })).toBeNull();
    setOverload({ lagMs: 9200, shedding: ["interim", "audio"] });
    expect(screen.getByRole("alert", { name: "Overload" }).textContent).toBe(
      "The server is 9.2 s behind. Listeners get captions only, no translated speech, and your live preview is paused until it catches up.",
    );
    setOverload({ lagMs: 3500, shedding: ["interim"] });
    expect(screen.getByRole("alert", { name: "Overload" }).textContent).toContain("listeners still get captions and speech");
    setOverload(undefined);
    expect(screen.queryByRole("alert", { name: "Overload" })).toBeNull();
  });
});
