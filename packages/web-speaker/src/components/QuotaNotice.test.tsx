import { render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { QuotaNotice } from "./QuotaNotice.tsx";

describe("quota notice", () => {
  it("says what listeners get while each quota binds, ignores names it does not know, and goes when none binds", () => {
    const [quotas, setQuotas] = createSignal<string[]>([]);
    render(() => <QuotaNotice quotas={quotas()} />);
    expect(screen.queryByRole("status", { name: "Service limits" })).toBeNull();
    setQuotas(["recognition", "synthesis", "someday"]);
    const items = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual([
      "Speech recognition is at its limit of concurrent streams: some sentences wait, and some are lost.",
      "Speech synthesis is at its rate limit: some parts are spoken in a plainer voice or go out as captions only.",
    ]);
    setQuotas(["someday"]);
    expect(screen.queryByRole("status", { name: "Service limits" })).toBeNull();
    setQuotas([]);
    expect(screen.queryByRole("status", { name: "Service limits" })).toBeNull();
  });
});
