/**
 * Speaker sign-in against the Cognito user pool (AWS deployments only; local mode is open): email and
 * password with USER_PASSWORD_AUTH, and the new-password step Cognito asks of users an admin created.
 * Two unsigned JSON calls to Cognito's public endpoint; the AWS SDK's browser build of its client was
 * not usable in tests here (an extensionless ESM import in @aws-sdk/core), and these calls need no signing.
 */
export interface CognitoSettings {
  region: string;
  clientId: string;
}

export type SignInResult = { idToken: string; expiresAt: number } | { newPasswordRequired: { session: string; email: string } };

export class SignInError extends Error {}

const PLAIN: Record<string, string> = {
  NotAuthorizedException: "The email or password is wrong.",
  UserNotFoundException: "The email or password is wrong.",
  PasswordResetRequiredException: "Your password must be reset by an administrator.",
  TooManyRequestsException: "Too many attempts. Wait a minute and try again.",
};

interface AuthResponse {
  ChallengeName?: string;
  Session?: string;
  AuthenticationResult?: { IdToken?: string; ExpiresIn?: number };
}

export class SpeakerAuth {
  constructor(
    private readonly settings: CognitoSettings,
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
  ) {}

  async signIn(email: string, password: string): Promise<SignInResult> {
    const response = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.settings.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    if (response.ChallengeName === "NEW_PASSWORD_REQUIRED") return { newPasswordRequired: { session: response.Session!, email } };
    return this.tokens(response);
  }

  async setNewPassword(challenge: { session: string; email: string }, password: string): Promise<SignInResult> {
    return this.tokens(
      await this.call("RespondToAuthChallenge", {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        ClientId: this.settings.clientId,
        Session: challenge.session,
        ChallengeResponses: { USERNAME: challenge.email, NEW_PASSWORD: password },
      }),
    );
  }

  private async call(action: string, body: unknown): Promise<AuthResponse> {
    let response: Response;
    try {
      response = await this.fetcher(`https://cognito-idp.${this.settings.region}.amazonaws.com/`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
        body: JSON.stringify(body),
      });
    } catch {
      throw new SignInError("The sign-in service cannot be reached. Check your connection and try again.");
    }
    const json = (await response.json().catch(() => ({}))) as AuthResponse & { __type?: string; message?: string };
    if (!response.ok) {
      const type = json.__type?.split("#").pop() ?? "";
      if (type === "InvalidPasswordException") throw new SignInError(`That password is not accepted: ${json.message ?? "too weak"}.`);
      throw new SignInError(PLAIN[type] ?? `Signing in failed: ${json.message ?? `HTTP ${response.status}`}`);
    }
    return json;
  }

  private tokens(response: AuthResponse): SignInResult {
    const result = response.AuthenticationResult;
    if (!result?.IdToken) throw new SignInError("Cognito answered without a token; try again.");
    return { idToken: result.IdToken, expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000 };
  }
}
