/**
 * Speakers' accounts in the Cognito user pool: AdminGetUser says whether the account that created a session is
 * still enabled. Asked at a speaker's `$connect` and then as it speaks, so each answer is kept a few minutes in
 * this execution environment: a speaker sends ten chunks a second, and the pool's read requests have a quota.
 */
import { AdminGetUserCommand, type CognitoIdentityProviderClient, UserNotFoundException } from "@aws-sdk/client-cognito-identity-provider";
import type { IamAction } from "../../ports/iam.ts";
import type { SpeakerAccounts } from "../../ports/index.ts";

/** How long an answer is kept: a disabled account loses its sessions' audio within this. */
export const SPEAKER_ACCOUNT_RECHECK_MS = 5 * 60 * 1000;

export interface CognitoSpeakerAccountsOptions {
  client: CognitoIdentityProviderClient;
  userPoolId: string;
  recheckAfterMs?: number;
  now?: () => number;
}

export class CognitoSpeakerAccounts implements SpeakerAccounts {
  static readonly iamActions: readonly IamAction[] = [{ action: "cognito-idp:AdminGetUser", resource: "userPool" }];
  private readonly known = new Map<string, { enabled: boolean; at: number }>();

  constructor(private readonly options: CognitoSpeakerAccountsOptions) {}

  async isEnabled(account: string): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const known = this.known.get(account);
    if (known && now - known.at < (this.options.recheckAfterMs ?? SPEAKER_ACCOUNT_RECHECK_MS)) return known.enabled;
    const enabled = await this.ask(account);
    this.known.set(account, { enabled, at: now });
    return enabled;
  }

  private async ask(account: string): Promise<boolean> {
    try {
      // A user pool whose users sign in by e-mail takes the `sub` as the user name.
      const user = await this.options.client.send(new AdminGetUserCommand({ UserPoolId: this.options.userPoolId, Username: account }));
      return user.Enabled === true;
    } catch (error) {
      if (error instanceof UserNotFoundException) return false;
      throw error;
    }
  }
}
