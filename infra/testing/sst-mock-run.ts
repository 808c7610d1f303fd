/**
 * Runs sst.config.ts with SST's real platform components (the offline `sst install` in .sst/platform) under Pulumi's
 * unit-test mocks, in its own process (Pulumi's runtime and SST's link registry are process-wide state):
 *
 *   tsx infra/testing/sst-mock-run.ts '{"stage":"test","dev":false,"out":"/tmp/run.json"}'
 *
 * The config is bundled the way SST's CLI bundles it (esbuild; platform/src/shim/run.js injected; `$app`, `$cli`,
 * `$dev` defined; the provider and `sst` namespaces prepended to every source outside .sst; `@pulumi/*` external;
 * an entry awaiting platform/src/auto/run.ts's `run(config.run)`), so SST's own checks (unique names, link
 * permissions, environments) run as in a deploy. Writes the recorded resources, invokes, CLI calls and outputs (or
 * the error) as JSON.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createMocks, REGION } from "./pulumi-mocks.ts";
import { startSstCliStandin } from "./sst-cli-standin.ts";

export interface MockRunOptions {
  stage: string;
  dev: boolean;
  out: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const platform = path.join(root, ".sst", "platform");
const requirePlatform = createRequire(path.join(platform, "package.json"));

type Esbuild = typeof import("esbuild");

/** SST's CLI prepends these imports to every file it bundles outside .sst (its "InjectGlobals" plugin). */
const providerGlobals = `import * as aws from "@pulumi/aws";\nimport * as sst from ${JSON.stringify(path.join(platform, "src/components"))};\n`;

async function bundle(esbuild: Esbuild, code: string, outfile: string, define: Record<string, string>) {
  await esbuild.build({
    stdin: { contents: code, resolveDir: root, sourcefile: "eval.ts", loader: "ts" },
    banner: {
      js: [
        "import { createRequire as topLevelCreateRequire } from 'module';",
        "const require = topLevelCreateRequire(import.meta.url);",
        "import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from 'url';",
        "const __filename = topLevelFileUrlToPath(import.meta.url);",
        "const __dirname = topLevelFileUrlToPath(new topLevelURL('.', import.meta.url));",
      ].join("\n"),
    },
    mainFields: ["module", "main"],
    format: "esm",
    platform: "node",
    nodePaths: [path.join(platform, "node_modules")],
    plugins: [
      {
        name: "InjectGlobals",
        setup(build) {
          build.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async (args) => {
            const { readFile } = await import("node:fs/promises");
            const contents = await readFile(args.path, "utf8");
            return { contents: args.path.includes(".sst") ? contents : providerGlobals + contents, loader: "default" };
          });
        },
      },
    ],
    external: ["@pulumi/*", "undici", "@pulumiverse/*", "@sst-provider/*", "@aws-sdk/*", "esbuild", "archiver", "glob", "vite"],
    define,
    inject: [path.join(platform, "src/shim/run.js")],
    outfile,
    write: true,
    bundle: true,
    logLevel: "silent",
  });
}

/**
 * Components report their outputs (a static site's `sst dev` command and URL, for example) after construction;
 * Pulumi's mock monitor keeps them to itself, so record them by URN as they arrive.
 */
function recordComponentOutputs(into: Record<string, unknown>) {
  const { MockMonitor } = requirePlatform("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: any } };
  const { deserializeProperties } = requirePlatform("@pulumi/pulumi/runtime/rpc") as { deserializeProperties(s: unknown): any };
  const original = MockMonitor.prototype.registerResourceOutputs;
  MockMonitor.prototype.registerResourceOutputs = function (req: any, callback: any) {
    into[req.getUrn()] = deserializeProperties(req.getOutputs());
    return original.call(this, req, callback);
  };
}

export async function mockRun(options: MockRunOptions) {
  const work = path.join(root, ".sst-offline", `mock-${options.stage}${options.dev ? "-dev" : ""}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const esbuild = requirePlatform("esbuild") as Esbuild;
  const standin = await startSstCliStandin(work);
  process.env.SST_SERVER = standin.url;
  process.env.SST_AWS_REGION = REGION;
  process.env.SST_STAGE = options.stage;
  const started = performance.now();
  const result: Record<string, unknown> = { stage: options.stage, dev: options.dev };
  const { mocks, resources, invokes } = createMocks();
  const componentOutputs: Record<string, unknown> = {};
  try {
    // 1. The app config, evaluated first as SST's CLI does.
    const appFile = path.join(platform, `sst.app.${process.pid}.mjs`);
    await bundle(esbuild, `import mod from ${JSON.stringify(path.join(root, "sst.config.ts"))};\nexport default mod;`, appFile, {
      $app: "{}",
      $cli: "{}",
      $dev: "false",
    });
    const config = (await import(pathToFileURL(appFile).href)).default;
    rmSync(appFile);
    const appConfig = config.app({ stage: options.stage });
    const app = {
      name: appConfig.name,
      stage: options.stage,
      removal: appConfig.removal ?? "retain",
      protect: appConfig.protect ?? false,
      home: appConfig.home,
      providers: { aws: { region: REGION }, ...appConfig.providers },
      version: "4.17.1",
    };
    const cli = {
      command: options.dev ? "dev" : "deploy",
      dev: options.dev,
      paths: { home: path.join(work, "home"), root, work, platform },
      state: { version: {} },
    };
    // 2. The program, as SST's CLI builds it.
    const programFile = path.join(platform, `sst.config.${process.pid}.mjs`);
    await bundle(
      esbuild,
      [
        `import { run } from ${JSON.stringify(path.join(platform, "src/auto/run.ts"))};`,
        `import mod from ${JSON.stringify(path.join(root, "sst.config.ts"))};`,
        "const result = await run(mod.run);",
        "export default result;",
      ].join("\n"),
      programFile,
      { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: String(options.dev) },
    );
    const pulumi = requirePlatform("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    await pulumi.runtime.setMocks(mocks, app.name, options.stage, false);
    recordComponentOutputs(componentOutputs);
    const outputs = await pulumi.runtime.runInPulumiStack(async () => (await import(pathToFileURL(programFile).href)).default);
    // Like the CLI, SST_NO_CLEANUP keeps the bundled program (to read what ran).
    if (!process.env.SST_NO_CLEANUP) rmSync(programFile);
    result.app = app;
    result.outputs = outputs;
  } catch (error) {
    result.error = { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack };
  }
  // Like Pulumi's language host, the run is over when the event loop is: components register resources from
  // `apply` callbacks long after the stack's outputs resolve (the static sites' files, for example).
  await new Promise<void>((resolve) => process.once("beforeExit", () => resolve()));
  result.resources = resources;
  result.invokes = invokes;
  result.cliCalls = standin.calls;
  result.componentOutputs = componentOutputs;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const options = JSON.parse(process.argv[2] ?? "{}") as MockRunOptions;
  const failures: string[] = [];
  // Errors inside Pulumi outputs (an `apply` that throws) surface here, not from runInPulumiStack.
  process.on("unhandledRejection", (error) => failures.push(String((error as Error)?.stack ?? error)));
  const result = await mockRun(options);
  if (failures.length) result.unhandled = [...new Set(failures)];
  writeFileSync(options.out, JSON.stringify(result, null, 1));
  process.exit(0);
}
