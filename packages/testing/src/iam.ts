/**
 * Holds an adapter's AWS calls to the IAM actions it declares: a call it did not declare fails the test, so a
 * new SDK command cannot reach production without the grant that lets it run.
 */
import type { AwsStub } from "aws-sdk-client-mock";
import { afterEach } from "vitest";
import { type IamAction, iamActionOf } from "@livetranslate/core/adapters/aws/iam";

function undeclared(clientName: string, commandNames: readonly string[], declared: readonly IamAction[]): string[] {
  const allowed = new Set(declared.map((d) => d.action));
  return [...new Set(commandNames.map((name) => iamActionOf(clientName, name)).filter((action) => !allowed.has(action)))];
}

function fail(who: string, actions: string[], declared: readonly IamAction[]): never {
  throw new Error(
    `${who} sent a command needing ${actions.join(", ")}, which it does not declare (declared: ${declared.map((d) => d.action).join(", ") || "none"}); add it to the adapter's iamActions`,
  );
}

/**
 * For aws-sdk-client-mock tests: after each test, every command the mocked client received must be declared.
 * Call once per mock, at the top of the describe (or file), before the test's own `mock.reset()`.
 */
export function expectDeclaredCalls(mock: AwsStub<any, any, any>, declared: readonly IamAction[]): void {
  afterEach(() => {
    const names = mock.calls().map((call) => (call.args[0] as object).constructor.name);
    const missing = undeclared(mock.clientName(), names, declared);
    if (missing.length) fail(mock.clientName(), missing, declared);
  });
}

/** The part of an SDK client's middleware stack used here (smithy's full types vary per client). */
interface InitializeStack {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: "initialize"; name: string },
  ): void;
}

/**
 * For tests against a stand-in (dynalite, kinesalite, s3rver): the real client refuses to send a command whose
 * action is not declared, so the test fails where the call is made.
 */
export function guardDeclaredCalls<C extends { middlewareStack: object }>(client: C, declared: readonly IamAction[]): C {
  const clientName = client.constructor.name;
  (client.middlewareStack as unknown as InitializeStack).add(
    (next, context) => (args) => {
      const missing = undeclared(clientName, [context.commandName ?? "UnknownCommand"], declared);
      if (missing.length) fail(clientName, missing, declared);
      return next(args);
    },
    { step: "initialize", name: "declaredIamActions" },
  );
  return client;
}
