import type axe from "axe-core";
import { describe, expect, it } from "vitest";
import { blockingFindings, describeFindings } from "./accessibility.ts";

/** A violation as axe-core reports it (its `Result`), with one node per target given. */
function violation(id: string, impact: axe.ImpactValue, nodes: { target: axe.UnlabelledFrameSelector; impact?: axe.ImpactValue; failureSummary?: string }[]): axe.Result {
  return {
    id,
    impact,
    description: `${id} description`,
    help: `${id} help`,
    helpUrl: `https://example.invalid/${id}`,
    tags: ["wcag2a"],
    nodes: nodes.map((node) => ({ html: "<x>", any: [], all: [], none: [], impact: node.impact ?? impact, target: node.target, failureSummary: node.failureSummary })),
  };
}

describe("accessibility findings", () => {
  it("keeps serious and critical findings, one per element, and drops moderate and minor ones", () => {
    const findings = blockingFindings([
      violation("label-content-name-mismatch", "serious", [
        { target: ['button[aria-label="Smaller text"]'], failureSummary: "Fix any of the following:\n  Text inside the element is not included in the accessible name" },
        { target: ['button[aria-label="Larger text"]'] },
      ]),
      violation("region", "moderate", [{ target: ["main > p"] }]),
      violation("image-alt", "critical", [{ target: [["#frame", "img"], "img.logo"] }]),
      violation("empty-heading", "minor", [{ target: ["h2"] }]),
    ]);
    expect(findings).toEqual([
      {
        rule: "label-content-name-mismatch",
        impact: "serious",
        target: 'button[aria-label="Smaller text"]',
        summary: "Fix any of the following: Text inside the element is not included in the accessible name",
      },
      { rule: "label-content-name-mismatch", impact: "serious", target: 'button[aria-label="Larger text"]', summary: "label-content-name-mismatch help" },
      { rule: "image-alt", impact: "critical", target: "#frame img >> img.logo", summary: "image-alt help" },
    ]);
  });

  it("judges each element by its own impact where axe gives one", () => {
    const findings = blockingFindings([
      violation("color-contrast", "serious", [
        { target: [".muted"], impact: "moderate" },
        { target: [".faint"], impact: "serious" },
      ]),
    ]);
    expect(findings.map((f) => f.target)).toEqual([".faint"]);
  });

  it("finds nothing in a page without violations", () => {
    expect(blockingFindings([])).toEqual([]);
  });

  it("names the screen, then each finding's rule, impact and element", () => {
    const message = describeFindings("the listener on a phone", [
      { rule: "button-name", impact: "critical", target: "button.enable", summary: "Element does not have inner text" },
      { rule: "color-contrast", impact: "serious", target: ".source", summary: "Contrast 3.1:1" },
    ]);
    expect(message).toBe(
      [
        "2 serious or critical accessibility finding(s) on the listener on a phone:",
        "  button-name (critical) at button.enable: Element does not have inner text",
        "  color-contrast (serious) at .source: Contrast 3.1:1",
      ].join("\n"),
    );
  });
});
