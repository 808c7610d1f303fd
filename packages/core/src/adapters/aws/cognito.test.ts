import { AdminGetUserCommand, CognitoIdentityProviderClient, UserNotFoundException } from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { CognitoSpeakerAccounts, SPEAKER_ACCOUNT_RECHECK_MS } from "./cognito.ts";

const cognito = mockClient(CognitoIdentityProviderClient);
afterEach(() => cognito.reset());
expectDeclaredCalls(cognito, CognitoSpeakerAccounts.iamActions);

/** AdminGetUser's documented response for a user of a pool that signs in by e-mail (the user name is the `sub`). */
const user = (enabled: boolean) => ({
  Username: "9f1c2b7e-sub",
  Enabled: enabled,
  UserStatus: "CONFIRMED" as const,
  UserAttributes: [
    { Name: "sub", Value: "9f1c2b7e-sub" },
    { Name: "email", Value: "ada@example.com" },
  ],
});

function accounts() {
  let now = 0;
  const adapter = new CognitoSpeakerAccounts({ client: new CognitoIdentityProviderClient({ region: "eu-west-1" }), userPoolId: "eu-west-1_pool", now: () => now });
  return { adapter, advance: (ms: number) => (now += ms) };
}

describe("CognitoSpeakerAccounts (mocked Cognito)", () => {
  it("asks the user pool for the account by its sub: enabled, disabled, deleted", async () => {
    const { adapter } = accounts();
    cognito.on(AdminGetUserCommand, { Username: "on" }).resolves(user(true));
    cognito.on(AdminGetUserCommand, { Username: "off" }).resolves(user(false));
    cognito.on(AdminGetUserCommand, { Username: "gone" }).rejects(new UserNotFoundException({ message: "User does not exist.", $metadata: {} }));
    expect(await Promise.all(["on", "off", "gone"].map((account) => adapter.isEnabled(account)))).toEqual([true, false, false]);
    expect(cognito.commandCalls(AdminGetUserCommand).map((c) => c.args[0].input)).toContainEqual({ UserPoolId: "eu-west-1_pool", Username: "off" });
  });

  it("keeps an answer a few minutes, then asks again: a speaker's chunks do not each cost a call", async () => {
    const { adapter, advance } = accounts();
    cognito.on(AdminGetUserCommand).resolves(user(true));
    for (let i = 0; i < 50; i++) expect(await adapter.isEnabled("on")).toBe(true);
    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(1);
    cognito.on(AdminGetUserCommand).resolves(user(false));
    advance(SPEAKER_ACCOUNT_RECHECK_MS);
    expect(await adapter.isEnabled("on")).toBe(false);
    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(2);
  });

  it("lets a failure of the pool through, remembering nothing", async () => {
    const { adapter } = accounts();
    cognito.on(AdminGetUserCommand).rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" })).resolves(user(true));
    await expect(adapter.isEnabled("on")).rejects.toThrow("Rate exceeded");
    expect(await adapter.isEnabled("on")).toBe(true);
  });
});
