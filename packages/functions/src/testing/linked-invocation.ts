/**
 * Invokes a Lambda entry as a deployed function would run it: in a fresh process whose environment holds only
 * what SST gives that function (its links as `SST_RESOURCE_<Name>`, SST_RESOURCE_App, its own variables), built
 * through `awsAdapters()`, with only the network stubbed (aws-sdk-client-mock answers every AWS call with a
 * connection error). A fresh process because SST's `Resource` caches what it read per process.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionName } from "../deployment.ts";

export interface LinkedInvocation {
  fn: FunctionName;
  /** Every resource named in an `"X" is not linked` error, thrown, answered or logged. */
  notLinked: string[];
  /** What each sample event got back (or the error the handler threw, as text). */
  results: { event: string; result?: unknown; thrown?: string }[];
  /** The IAM actions of the AWS calls the function made (each answered with a network error). */
  actions: string[];
  /** What the function wrote to stdout and stderr. */
  output: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.resolve(here, "../..");

/** A resource's properties as SST links them, for a test that has no SST run at hand. */
export function sampleLinkProperties(name: string): Record<string, unknown> {
  const api = "https://abc123.execute-api.eu-west-1.amazonaws.com/$default";
  const known: Record<string, Record<string, unknown>> = {
    App: { name: "livetranslate", stage: "test" },
    Sessions: { name: "livetranslate-test-SessionsTable-abc", type: "sst.aws.Dynamo" },
    AudioStream: { name: "livetranslate-test-AudioStreamStream-abc", type: "sst.aws.KinesisStream" },
    Audio: { name: "livetranslate-test-audiobucket-abc", type: "sst.aws.Bucket" },
    Realtime: { url: "wss://abc123.execute-api.eu-west-1.amazonaws.com/$default", managementEndpoint: api, type: "sst.aws.ApiGatewayWebSocket" },
    BroadcastEndpoint: { endpoint: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", authorizer: "livetranslate-test-BroadcastAuthorizer", type: "sst.sst.Linkable" },
    Speakers: { id: "eu-west-1_AbCdEf123", type: "sst.aws.CognitoUserPool" },
  };
  const properties = known[name];
  if (!properties) throw new Error(`no sample properties for the link "${name}"`);
  return properties;
}

/**
 * @param links the function's links as SST records them (`{ Name: properties }`; App is added when missing)
 * @param environment the function's other environment variables as infra sets them
 */
export async function invokeWithOnlyLinks(
  fn: FunctionName,
  links: Record<string, unknown>,
  environment: Record<string, string> = {},
): Promise<LinkedInvocation> {
  const resultDir = mkdtempSync(path.join(tmpdir(), "linked-"));
  const resultFile = path.join(resultDir, "result.json");
  const linkVariables = Object.fromEntries(
    Object.entries({ App: sampleLinkProperties("App"), ...links }).map(([name, properties]) => [`SST_RESOURCE_${name}`, JSON.stringify(properties)]),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NODE_NO_WARNINGS: "1",
    // What Lambda sets for every function.
    AWS_REGION: "eu-west-1",
    AWS_LAMBDA_FUNCTION_NAME: `livetranslate-test-${fn}`,
    AWS_ACCESS_KEY_ID: "ASIALINKEDINVOCATION",
    AWS_SECRET_ACCESS_KEY: "linked-invocation",
    AWS_SESSION_TOKEN: "linked-invocation",
    ...environment,
    ...linkVariables,
    LINKED_INVOCATION_RESULT: resultFile,
  };
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "linked-invocation-runner.ts"), fn], { cwd: packageRoot, env });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`the ${fn} invocation exited with ${code}:\n${text}`))));
    });
    const result = JSON.parse(readFileSync(resultFile, "utf8")) as Omit<LinkedInvocation, "fn" | "notLinked" | "output">;
    const seen = `${output}\n${JSON.stringify(result.results)}`;
    const notLinked = [...new Set([...seen.matchAll(/\\?"(\w+)\\?" is not linked/g)].map((m) => m[1]!))].sort();
    return { fn, notLinked, output, ...result };
  } finally {
    rmSync(resultDir, { recursive: true, force: true });
  }
}
