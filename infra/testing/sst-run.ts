/**
 * What SST itself would create for sst.config.ts, from a run of the config with SST's real components under Pulumi's
 * mocks (sst-mock-run.ts, in a child process). Per function: the links SST bundles into it, its Lambda environment,
 * and its role's policy documents, which the link and permission contracts read.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RecordedInvoke, RecordedResource } from "./pulumi-mocks.ts";
import type { RpcCall } from "./sst-cli-standin.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface PolicyDocument {
  Version: string;
  Statement: { Effect: "Allow" | "Deny"; Action?: string | string[]; Resource?: string | string[]; Condition?: unknown }[];
}

export interface SstFunction {
  /** The SST component name ("Connect", "Consumer", ...). */
  name: string;
  /** As written in infra: "packages/functions/src/handlers/connect.handler". */
  handler: string;
  /** The names the function's `Resource` knows (SST_RESOURCE_<name>), App included, with their properties. */
  links: Record<string, Record<string, unknown>>;
  /** The Lambda's environment variables as SST creates them. */
  environment: Record<string, string>;
  /** The role's inline policy documents. */
  policies: PolicyDocument[];
  /** The role's managed policy ARNs. */
  managedPolicies: string[];
  /** The folder SST's build produced (here: a stub handler and `resource.enc`, the function's sealed links). */
  bundle: string;
  /** The physical Lambda function name and ARN (mocked). */
  functionName: string;
  arn: string;
}

export interface SstService {
  /** The SST component name ("ConsumerService"). */
  name: string;
  /** The names its `Resource` knows (SST_RESOURCE_<name> in the container's environment), App included. */
  links: Record<string, Record<string, unknown>>;
  /** The container's environment variables, links included. */
  environment: Record<string, string>;
  /** The task role's inline policy documents. */
  policies: PolicyDocument[];
  /** The ECS service's inputs (count, deployment, network). */
  service: Record<string, any>;
  /** The image build's inputs: its context and Dockerfile. */
  image: Record<string, any>;
}

export interface SstRun {
  stage: string;
  dev: boolean;
  app: { name: string; stage: string; removal: string; protect: boolean };
  outputs: Record<string, unknown>;
  resources: RecordedResource[];
  invokes: RecordedInvoke[];
  cliCalls: RpcCall[];
  /** Outputs components registered, by URN ("urn:pulumi:<stage>::<app>::<type path>::<name>"). */
  componentOutputs: Record<string, Record<string, unknown>>;
  functions: Record<string, SstFunction>;
  services: Record<string, SstService>;
  seconds: number;
  error?: { name: string; message: string; stack?: string };
  unhandled?: string[];
}

export interface SstRunOptions {
  stage?: string;
  /** `sst dev` instead of `sst deploy`. */
  dev?: boolean;
  /** Environment of the `sst` command (the deploy-time settings in infra/config.ts). */
  env?: Record<string, string>;
}

/** .sst/platform (offline `sst install`) and the static sites' build output, which a mocked run cannot build. */
function prepare(): void {
  execFileSync(path.join(root, "scripts/sst-platform.sh"), { stdio: "inherit" });
  for (const app of ["web-speaker", "web-listener"]) {
    if (!existsSync(path.join(root, "packages", app, "dist", "index.html"))) {
      execFileSync("pnpm", ["--filter", `@livetranslate/${app}`, "run", "build"], { cwd: root, stdio: "ignore" });
    }
  }
}

export function runSstConfig(options: SstRunOptions = {}): SstRun {
  prepare();
  const dir = mkdtempSync(path.join(tmpdir(), "sst-run-"));
  const out = path.join(dir, "run.json");
  try {
    execFileSync(
      path.join(root, "node_modules/.bin/tsx"),
      [path.join(root, "infra/testing/sst-mock-run.ts"), JSON.stringify({ stage: options.stage ?? "test", dev: options.dev ?? false, out })],
      {
        cwd: root,
        // Only what the `sst` command would see: the deploy-time settings given, no developer overrides.
        env: { ...withoutDeploySettings(process.env), NODE_NO_WARNINGS: "1", ...options.env },
        stdio: ["ignore", "ignore", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const run = JSON.parse(readFileSync(out, "utf8")) as Omit<SstRun, "functions" | "services">;
    return { ...run, functions: functionsOf(run), services: servicesOf(run) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withoutDeploySettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("LIVETRANSLATE_")));
}

function servicesOf(run: Omit<SstRun, "functions" | "services">): Record<string, SstService> {
  const services: Record<string, SstService> = {};
  for (const component of run.resources.filter((r) => r.type === "sst:aws:Service")) {
    const name = component.name;
    const task = run.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === `${name}Task`);
    const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === `${name}TaskRole`);
    const service = run.resources.find((r) => r.type === "aws:ecs/service:Service" && r.name === `${name}Service`);
    const image = run.resources.find((r) => r.type === "docker-build:index:Image" && r.name.startsWith(`${name}Image`));
    if (!task || !role || !service || !image) continue;
    // Pulumi's mocks keep a secret output as { value } beside its signature key.
    const definitions = task.inputs.containerDefinitions as string | { value: string };
    const [container] = JSON.parse(typeof definitions === "string" ? definitions : definitions.value) as { environment: { name: string; value: string }[] }[];
    const environment = Object.fromEntries(container!.environment.map((e) => [e.name, e.value]));
    const links: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(environment)) if (key.startsWith("SST_RESOURCE_")) links[key.slice("SST_RESOURCE_".length)] = JSON.parse(value);
    const inline = (role.inputs.inlinePolicies as { policy: string }[] | undefined) ?? [];
    services[name] = {
      name,
      links,
      environment,
      policies: inline.map((p) => JSON.parse(p.policy) as PolicyDocument),
      service: service.inputs as Record<string, any>,
      image: image.inputs as Record<string, any>,
    };
  }
  return services;
}

function functionsOf(run: Omit<SstRun, "functions" | "services">): Record<string, SstFunction> {
  const functions: Record<string, SstFunction> = {};
  for (const component of run.resources.filter((r) => r.type === "sst:aws:Function")) {
    const name = component.name;
    const lambda = run.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === `${name}Function`);
    const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === `${name}Role`);
    if (!lambda || !role) continue;
    // SST's build request (`sst dev`: its live-function registration) names the handler and carries the links.
    const build = run.cliCalls.find((c) => (c.method === "Runtime.Build" || c.method === "Runtime.AddTarget") && c.args.functionID === name);
    const environment = ((lambda.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<string, string>;
    // SST bundles the links into the function (encrypted); only App travels as an environment variable.
    const links: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(environment)) if (key.startsWith("SST_RESOURCE_")) links[key.slice("SST_RESOURCE_".length)] = JSON.parse(value);
    Object.assign(links, build?.args.links ?? {});
    const inline = (role.inputs.inlinePolicies as { policy: string }[] | undefined) ?? [];
    functions[name] = {
      name,
      handler: String(build?.args.handler),
      links,
      environment,
      policies: inline.map((p) => JSON.parse(p.policy) as PolicyDocument),
      managedPolicies: (role.inputs.managedPolicyArns as string[] | undefined) ?? [],
      bundle: String(build?.result?.out ?? ""),
      functionName: String(lambda.outputs.name),
      arn: String(lambda.outputs.arn),
    };
  }
  return functions;
}

const memo = new Map<string, SstRun>();

/** One run per options per test file (each run takes several seconds). */
export function sstRun(options: SstRunOptions = {}): SstRun {
  const key = JSON.stringify(options);
  let run = memo.get(key);
  if (!run) memo.set(key, (run = runSstConfig(options)));
  return run;
}
