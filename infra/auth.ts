// Speakers sign in with Cognito (email + password); listeners stay anonymous.

/**
 * Speakers are created by an administrator only (docs/deploying.md: "Add a speaker"): with self sign-up, anyone holding the
 * public client id could create sessions that spend Transcribe, Translate and Polly money.
 */
export const speakers = new sst.aws.CognitoUserPool("Speakers", {
  usernames: ["email"],
  transform: {
    userPool: (args) => {
      args.adminCreateUserConfig = { allowAdminCreateUserOnly: true };
    },
  },
});

/**
 * The speaker app signs in with USER_PASSWORD_AUTH over HTTPS and sends the ID token to POST /sessions.
 * Named apart from the "SpeakerApp" site: SST requires component names to be unique.
 */
export const speakerClient = speakers.addClient("SpeakerAppClient", {
  transform: {
    client: (args) => {
      args.explicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
      args.preventUserExistenceErrors = "ENABLED";
    },
  },
});
