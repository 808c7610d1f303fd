/**
 * Holds the README to what it promises a newcomer: short, no history (commit hashes, issue numbers), performance
 * figures copied from the committed results files it names, library versions as pinned, and links that resolve.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const README = path.join(ROOT, "README.md");
const MAX_README_LINES = 250;

const read = (file: string) => readFileSync(file, "utf8");

/** Every markdown file under docs/, recursively. */
function docsFiles(dir = path.join(ROOT, "docs")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return docsFiles(full);
    return name.endsWith(".md") ? [full] : [];
  });
}

/** Text outside fenced code blocks, with its 1-based line numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  let fenced = false;
  return text.split("\n").flatMap((line, i) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line: i + 1, text: line }];
  });
}

/** A commit hash: 7-40 hex characters with at least one digit and one letter (so neither a word nor a number). */
export function commitHashes(text: string): string[] {
  return [...text.matchAll(/\b[0-9a-f]{7,40}\b/gi)].map((m) => m[0]).filter((w) => /\d/.test(w) && /[a-f]/i.test(w));
}

/** An issue or pull request reference: "issue 11", "issues 4 and 12", "#12", ".../issues/12", "PR 3". */
export function issueReferences(text: string): string[] {
  const patterns = [/\bissues? ?#?\d+/gi, /\b(?:PR|pull request) ?#?\d+/gi, /(?:^|[\s(])#\d+\b/g, /\/(?:issues|pull)\/\d+/g];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[0].trim()));
}

/** Relative links and images of a markdown file: `[text](target)` outside code blocks, URLs and e-mail left out. */
function relativeLinks(file: string): { line: number; target: string }[] {
  return proseLines(read(file)).flatMap(({ line, text }) =>
    [...text.replace(/`[^`]*`/g, "").matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ line, target })),
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function headingAnchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(read(file))) {
    const heading = text.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = heading[1]!
      .replace(/`/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with a link from `file`, or undefined when it resolves to a file (and heading) in the repository. */
function brokenLink(file: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
  const resolved = pathPart === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
  if (!resolved.startsWith(ROOT + path.sep)) return "points outside the repository";
  if (!existsSync(resolved)) return "no such file";
  if (anchor && resolved.endsWith(".md") && !headingAnchors(resolved).has(anchor)) return `no heading #${anchor}`;
  return undefined;
}

/** Every number in a results file, from its numbers and from the text of its strings. */
function numbersIn(value: unknown, into = new Set<number>()): Set<number> {
  if (typeof value === "number") into.add(value);
  else if (typeof value === "string") for (const m of value.matchAll(/\d+(?:\.\d+)?/g)) into.add(Number(m[0]));
  else if (Array.isArray(value)) for (const v of value) numbersIn(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) numbersIn(v, into);
  return into;
}

/** The rows of the first table in a README section, as cells. */
function sectionTable(text: string, heading: string): string[][] {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) return [];
  const rest = text.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  return section
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

/** Every exact version each npm package is pinned to in the workspace's package.json files. */
function pins(): Map<string, Set<string>> {
  const files = [path.join(ROOT, "package.json"), ...readdirSync(path.join(ROOT, "packages")).map((p) => path.join(ROOT, "packages", p, "package.json"))];
  const found = new Map<string, Set<string>>();
  for (const file of files.filter(existsSync)) {
    const pkg = JSON.parse(read(file)) as Record<string, Record<string, string> | undefined>;
    for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
      for (const [name, version] of Object.entries(pkg[field] ?? {})) {
        if (!found.has(name)) found.set(name, new Set());
        found.get(name)!.add(version);
      }
    }
  }
  return found;
}

describe("README.md", () => {
  const text = read(README);

  it(`is at most ${MAX_README_LINES} lines`, () => {
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it("names no commit hash or issue number (history lives in git and bench/results)", () => {
    expect({ commits: commitHashes(text), issues: issueReferences(text) }).toEqual({ commits: [], issues: [] });
  });

  it("names only results files that exist", () => {
    const named = [...new Set([...text.matchAll(/bench\/results\/[A-Za-z0-9._-]+/g)].map((m) => m[0].replace(/[.]$/, "")))];
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });

  it("quotes every performance figure from the results file named on its row", () => {
    const rows = sectionTable(text, "Performance");
    expect(rows.length).toBeGreaterThan(0);
    const wrong = rows.flatMap(([what, figure, source]) => {
      const file = source?.match(/bench\/results\/[A-Za-z0-9._-]+\.json/)?.[0];
      if (!file || !existsSync(path.join(ROOT, file))) return [`${what}: names no committed results file`];
      const known = numbersIn(JSON.parse(read(path.join(ROOT, file))));
      // Percentile names (p50, p95) are labels, not figures.
      const figures = [...(figure ?? "").replace(/\bp\d+\b/g, "").matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
      return figures.filter((n) => !known.has(n)).map((n) => `${what}: ${n} is not in ${file}`);
    });
    expect(wrong).toEqual([]);
  });

  it("gives each library the version its package.json pins", () => {
    const pinned = pins();
    const rows = sectionTable(text, "Libraries");
    expect(rows.length).toBeGreaterThan(0);
    const named = rows.flatMap(([libraries]) => [...(libraries ?? "").matchAll(/(@?[a-z0-9][\w.-]*(?:\/[\w.-]+)?) (\d+\.\d+\.\d+)/g)]);
    const wrong = named
      .filter(([, name, version]) => pinned.has(name!) && !pinned.get(name!)!.has(version!))
      .map(([, name, version]) => `${name} ${version} (pinned: ${[...pinned.get(name!)!].join(", ")})`);
    expect(named.filter(([, name]) => pinned.has(name!)).length).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });
});

describe("links in README.md and docs/", () => {
  const files = [README, ...docsFiles()];

  it.each(files.map((f) => [path.relative(ROOT, f), f]))("every relative link in %s resolves", (_name, file) => {
    const broken = relativeLinks(file).flatMap(({ line, target }) => {
      const why = brokenLink(file, target);
      return why ? [`line ${line}: ${target}: ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("recognize commit hashes and issue references, and leave ordinary words and numbers alone", () => {
    expect(commitHashes("the run at a9f41eb (git show 3160945:bench) on 2026-11-26, port 8787, a decade")).toEqual(["a9f41eb"]);
    expect(issueReferences("issue 11's goals; issues 4; see #12; github.com/x/y/issues/7; PR 3; colour #fff")).toEqual([
      "issue 11",
      "issues 4",
      "PR 3",
      "#12",
      "/issues/7",
    ]);
  });
});
