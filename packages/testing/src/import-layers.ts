/**
 * The import check (`pnpm check:imports`, part of `pnpm test`): core's layers and who may import what, in one
 * place. Core's layers, lowest first; a module imports its own layer and those it lists, never one above:
 *
 *   browser-safe  protocol/, audio/, client/   bundled into the web apps: zod and reconnecting-websocket only
 *   base          error.ts, log.ts, ports/     the port interfaces and the plain records they carry
 *   domain        domain/                      concepts, each with its entity; domain/db builds the one table
 *   streaming     streaming/                   ingest, segmenter, consumer, pipeline, delivery
 *   adapters      adapters/                    aws, engines, vad, memory: the ports implemented
 *
 * streaming and adapters never import each other: the composition (functions, local mode) joins them. An entity
 * module (`entity.ts`) imports only electrodb and domain/db/table.ts, so domain/db may build the table from the
 * entities beside streaming's concepts too. @livetranslate/testing (stand-ins, fixtures, fakes) is for tests,
 * local mode and the bench. Tests (`*.test.ts`) may import anything.
 *
 * Imports are read with TypeScript's own scanner (`import type` and `export ... from` included) and resolved by
 * path and by the workspace packages' `exports`, so the check needs no build and no installed tool of its own.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const CORE = "packages/core/src/";

export const LAYERS = [
  { name: "browser-safe", path: /^packages\/core\/src\/(protocol|audio|client)\//, mayImport: [] },
  { name: "base", path: /^packages\/core\/src\/(error\.ts|log\.ts|ports\/)/, mayImport: ["browser-safe"] },
  { name: "domain", path: /^packages\/core\/src\/domain\//, mayImport: ["browser-safe", "base"] },
  { name: "streaming", path: /^packages\/core\/src\/streaming\//, mayImport: ["browser-safe", "base", "domain"] },
  { name: "adapters", path: /^packages\/core\/src\/adapters\//, mayImport: ["browser-safe", "base", "domain"] },
] as const;

/** The npm packages a browser-safe module may use. */
export const BROWSER_SAFE_PACKAGES = ["zod", "reconnecting-websocket"];
/** What the web apps and the worklet bundle. */
const WEB_APPS = /^packages\/(web-speaker|web-listener|audio-worklet)\/src\//;
/** Code that must not reach @livetranslate/testing (functions/src/testing is the functions' test harness). */
const NO_TESTING = /^packages\/(core|web-speaker|web-listener|audio-worklet)\/src\/|^packages\/functions\/src\/(?!testing\/)/;
const ENTITY = /^packages\/core\/src\/.+\/entity\.ts$/;
const TABLE = `${CORE}domain/db/table.ts`;
const DB = `${CORE}domain/db/index.ts`;
const TEST = /\.test\.tsx?$/;
const NODE_BUILTINS = new Set(builtinModules);

export interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** An import as resolved: a file of the repository, a Node built-in, or an npm package. */
type Target = { kind: "file"; path: string } | { kind: "node"; name: string } | { kind: "npm"; name: string };

function layerOf(file: string) {
  return LAYERS.find((layer) => layer.path.test(file));
}

function ruleBroken(from: string, to: Target): string | undefined {
  if (TEST.test(from)) return undefined;
  const fromLayer = layerOf(from);
  if (fromLayer?.name === "browser-safe") {
    if (to.kind === "node") return "browser-safe modules use nothing of Node";
    if (to.kind === "npm" && !BROWSER_SAFE_PACKAGES.includes(to.name)) return `browser-safe modules use only ${BROWSER_SAFE_PACKAGES.join(", ")}`;
  }
  if (to.kind !== "file") return ENTITY.test(from) && to.name !== "electrodb" ? "an entity imports only electrodb and domain/db/table.ts" : undefined;
  if (NO_TESTING.test(from) && to.path.startsWith("packages/testing/")) return "@livetranslate/testing is for tests, local mode and the bench only";
  if (WEB_APPS.test(from) && to.path.startsWith(CORE) && layerOf(to.path)?.name !== "browser-safe") return "the web apps import only core's browser-safe modules";
  if (!from.startsWith(CORE) || !to.path.startsWith(CORE)) return undefined;
  if (ENTITY.test(from)) return to.path === TABLE ? undefined : "an entity imports only electrodb and domain/db/table.ts";
  if (from === DB && ENTITY.test(to.path)) return undefined;
  const toLayer = layerOf(to.path);
  if (!fromLayer || !toLayer) return `every core module belongs to a layer (${LAYERS.map((l) => l.name).join(", ")})`;
  if (toLayer === fromLayer || (fromLayer.mayImport as readonly string[]).includes(toLayer.name)) return undefined;
  return `${fromLayer.name} imports only ${[fromLayer.name, ...fromLayer.mayImport].join(", ")}`;
}

/** Workspace packages by name, with their folder and `exports`. */
function workspacePackages(root: string) {
  const packages = new Map<string, { dir: string; exports: Record<string, string | string[]> }>();
  for (const dir of readdirSync(path.join(root, "packages"))) {
    const manifest = path.join(root, "packages", dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, exports = {} } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; exports?: Record<string, string | string[]> };
    packages.set(name, { dir: `packages/${dir}`, exports });
  }
  return packages;
}

/** Resolves a subpath through an `exports` map as Node does: exact keys first, then the longest `*` pattern. */
function throughExports(root: string, dir: string, exports: Record<string, string | string[]>, subpath: string): string | undefined {
  const candidates = (target: string | string[], star?: string) =>
    [target].flat().map((t) => path.posix.join(dir, star === undefined ? t : t.replaceAll("*", star)));
  const exact = exports[subpath];
  let found = exact === undefined ? undefined : candidates(exact);
  if (!found) {
    const patterns = Object.keys(exports)
      .filter((key) => key.includes("*"))
      .sort((a, b) => b.length - a.length);
    for (const key of patterns) {
      const [prefix, suffix] = key.split("*") as [string, string];
      if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
        found = candidates(exports[key]!, subpath.slice(prefix.length, subpath.length - suffix.length));
        break;
      }
    }
  }
  return found?.find((file) => existsSync(path.join(root, file))) ?? found?.[0];
}

function resolve(root: string, packages: ReturnType<typeof workspacePackages>, from: string, specifier: string): Target {
  if (specifier.startsWith(".")) return { kind: "file", path: path.posix.join(path.posix.dirname(from), specifier) };
  if (specifier.startsWith("node:") || NODE_BUILTINS.has(specifier.split("/")[0]!)) return { kind: "node", name: specifier };
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  const workspace = packages.get(name);
  if (!workspace) return { kind: "npm", name };
  const subpath = `.${specifier.slice(name.length)}`;
  const file = throughExports(root, workspace.dir, workspace.exports, subpath);
  return { kind: "file", path: file ?? `${workspace.dir}/${subpath}` };
}

function sourceFiles(root: string, dir: string): string[] {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  return (readdirSync(full, { recursive: true }) as string[])
    .filter((file) => /\.tsx?$/.test(file) && !/(^|\/)(node_modules|dist)\//.test(file))
    .map((file) => path.posix.join(dir, file.split(path.sep).join("/")));
}

/** Every import in the workspace packages' sources that breaks a rule. */
export function checkImports(root: string): Violation[] {
  const packages = workspacePackages(root);
  const violations: Violation[] = [];
  for (const { dir } of packages.values()) {
    for (const from of sourceFiles(root, `${dir}/src`)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(path.join(root, from), "utf8"), true, true);
      for (const { fileName } of importedFiles) {
        const to = resolve(root, packages, from, fileName);
        const rule = ruleBroken(from, to);
        if (rule) violations.push({ rule, from, to: to.kind === "file" ? to.path : to.name });
      }
    }
  }
  return violations;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? process.cwd();
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.from} -> ${v.to}: ${v.rule}`);
  console.log(violations.length === 0 ? "imports: every layer rule holds" : `imports: ${violations.length} break a layer rule`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
