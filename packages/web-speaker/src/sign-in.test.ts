import { describe, expect, it } from "vitest";
import { SpeakerAuth } from "./sign-in.ts";

/** Cognito's JSON API as documented: answers by X-Amz-Target. */
function cognito(answers: Record<string, { status: number; body: unknown }[]>) {
  const requests: { url: string; target: string; body: any }[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    const target = (init.headers as Record<string, string>)["x-amz-target"]!.split(".").pop()!;
    requests.push({ url, target, body: JSON.parse(init.body as string) });
    const answer = answers[target]!.shift()!;
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
  return { fetcher, requests };
}

describe("speaker sign-in (Cognito API faked at the HTTP boundary)", () => {
  it("signs in with email and password and returns the ID token", async () => {
    const c = cognito({ InitiateAuth: [{ status: 200, body: { AuthenticationResult: { IdToken: "id.jwt", ExpiresIn: 3600 } } }] });
    const result = await new SpeakerAuth({ region: "eu-west-1", clientId: "client-123" }, c.fetcher).signIn("ana@example.org", "correct horse");
    expect(result).toMatchObject({ idToken: "id.jwt" });
    expect(c.requests[0]).toEqual({
      url: "https://cognito-idp.eu-west-1.amazonaws.com/",
      target: "InitiateAuth",
      body: { AuthFlow: "USER_PASSWORD_AUTH", ClientId: "client-123", AuthParameters: { USERNAME: "ana@example.org", PASSWORD: "correct horse" } },
    });
  });

  it("asks for a new password for a user an admin created, then signs in", async () => {
    const c = cognito({
      InitiateAuth: [{ status: 200, body: { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s1" } }],
      RespondToAuthChallenge: [{ status: 200, body: { AuthenticationResult: { IdToken: "id2.jwt" } } }],
    });
    const auth = new SpeakerAuth({ region: "eu-west-1", clientId: "c" }, c.fetcher);
    expect(await auth.signIn("ben@example.org", "temporary")).toEqual({ newPasswordRequired: { session: "s1", email: "ben@example.org" } });
    expect(await auth.setNewPassword({ session: "s1", email: "ben@example.org" }, "a much better one")).toMatchObject({ idToken: "id2.jwt" });
    expect(c.requests[1]!.body).toMatchObject({ ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s1", ChallengeResponses: { NEW_PASSWORD: "a much better one" } });
  });

  it("says in plain words when the password is wrong", async () => {
    const c = cognito({ InitiateAuth: [{ status: 400, body: { __type: "NotAuthorizedException", message: "Incorrect username or password." } }] });
    await expect(new SpeakerAuth({ region: "eu-west-1", clientId: "c" }, c.fetcher).signIn("a@b.c", "x")).rejects.toThrow("The email or password is wrong.");
  });
});
