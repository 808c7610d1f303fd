// Speakers sign in with Cognito (email + password); listeners stay anonymous.

export const speakers = new sst.aws.CognitoUserPool("Speakers", { usernames: ["email"] });

/** The speaker app signs in with USER_PASSWORD_AUTH over HTTPS and sends the ID token to POST /sessions. */
export const speakerClient = speakers.addClient("SpeakerAppClient", {
  transform: {
    client: (args) => {
      args.explicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
      args.preventUserExistenceErrors = "ENABLED";
    },
  },
});
