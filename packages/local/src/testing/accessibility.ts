/**
 * axe-core's WCAG 2.1 A and AA rules, run in a page of the browser tests. A serious or critical finding fails the
 * test with one line per element: the rule, its impact, the element's selector and what axe says is wrong.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** WCAG 2.0 and 2.1, levels A and AA, as axe-core tags its rules. */
export const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] as const;

/** The impacts that fail a screen: a user of assistive technology is blocked or badly hindered. */
const BLOCKING: readonly axe.ImpactValue[] = ["serious", "critical"];

export interface AccessibilityFinding {
  rule: string;
  impact: "serious" | "critical";
  /** The element's CSS selector (through frames and shadow roots, joined by " >> "). */
  target: string;
  /** axe's summary of what is wrong with this element. */
  summary: string;
}

/** The serious and critical findings among axe's violations, one per element. */
export function blockingFindings(violations: readonly axe.Result[]): AccessibilityFinding[] {
  return violations.flatMap((violation) =>
    violation.nodes
      .filter((node) => BLOCKING.includes(node.impact ?? violation.impact ?? null))
      .map((node) => ({
        rule: violation.id,
        impact: (node.impact ?? violation.impact) as AccessibilityFinding["impact"],
        target: node.target.map((selector) => (Array.isArray(selector) ? selector.join(" ") : selector)).join(" >> "),
        summary: (node.failureSummary ?? violation.help).replace(/\s+/g, " ").trim(),
      })),
  );
}

/** The message a failing screen reports: which screen, then one line per finding. */
export function describeFindings(screen: string, findings: readonly AccessibilityFinding[]): string {
  const lines = findings.map((f) => `  ${f.rule} (${f.impact}) at ${f.target}: ${f.summary}`);
  return `${findings.length} serious or critical accessibility finding(s) on ${screen}:\n${lines.join("\n")}`;
}

/**
 * Runs axe-core in the page and throws when it finds anything serious or critical. It goes through a DevTools
 * evaluation, as `pageReader` does: Playwright's own would count as a user gesture and unlock audio or a wake lock
 * before the listener's tap.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const devtools = await page.context().newCDPSession(page);
  try {
    const options: axe.RunOptions = { runOnly: { type: "tag", values: [...WCAG_21_AA] }, resultTypes: ["violations"] };
    const { result, exceptionDetails } = await devtools.send("Runtime.evaluate", {
      expression: `${axe.source};\naxe.run(document, ${JSON.stringify(options)}).then((results) => results.violations)`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`axe-core did not run on ${screen}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    const findings = blockingFindings(result.value as axe.Result[]);
    if (findings.length > 0) throw new Error(describeFindings(screen, findings));
  } finally {
    await devtools.detach();
  }
}
