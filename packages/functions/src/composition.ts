/**
 * What each Lambda function is composed of in AWS, for the contracts infra is checked against: the adapters it
 * builds (its own and what they are made from), the linked resources those read, and the IAM actions they need.
 */
import type { IamAction } from "@livetranslate/core/adapters/aws/iam";
import type { AdapterName } from "./adapters.ts";
import { AWS_ADAPTERS, type AwsAdapter } from "./aws-adapters.ts";
import { FUNCTIONS } from "./compose.ts";
import { FUNCTION_NAMES, type FunctionName } from "./deployment.ts";

const definitionOf = (name: AdapterName) => AWS_ADAPTERS[name] as unknown as AwsAdapter<AdapterName, AdapterName>;

/** The adapters a function builds in AWS: those it names, and those they are built from. */
function closure(names: readonly AdapterName[]): AdapterName[] {
  const seen = new Set<AdapterName>();
  const visit = (name: AdapterName) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const used of definitionOf(name).uses) visit(used);
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

export const functionAdapters = Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, closure(FUNCTIONS[fn].needs)])) as unknown as Record<
  FunctionName,
  readonly AdapterName[]
>;

/** The SST `Resource` names a function reads: infra must link each (SST always sets `App`). */
export function linksNeeded(fn: FunctionName): readonly string[] {
  return [...new Set(functionAdapters[fn].flatMap((name) => definitionOf(name).links))].sort();
}

/** The IAM actions a function's adapters need, with the kind of resource each is needed on. */
export function requiredActions(fn: FunctionName): readonly IamAction[] {
  const all = functionAdapters[fn].flatMap((name) => definitionOf(name).iamActions);
  const key = (a: IamAction) => `${a.action} ${a.resource}`;
  return [...new Map(all.map((a) => [key(a), a])).values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The handler path infra gives SST for a function (`packages/functions/src/handlers/<entry>.handler`). */
export function handlerPath(fn: FunctionName): string {
  return `packages/functions/src/handlers/${FUNCTIONS[fn].entry}.handler`;
}
