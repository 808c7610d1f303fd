import { createSignal, Show } from "solid-js";
import { type SignInResult, SignInError, type SpeakerAuth } from "../sign-in.ts";

export function SignIn(props: { auth: SpeakerAuth; onSignedIn(idToken: string, expiresAt: number): void }) {
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [challenge, setChallenge] = createSignal<{ session: string; email: string }>();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const pending = challenge();
      const result: SignInResult = pending ? await props.auth.setNewPassword(pending, password()) : await props.auth.signIn(email(), password());
      if ("newPasswordRequired" in result) {
        setChallenge(result.newPasswordRequired);
        setPassword("");
      } else props.onSignedIn(result.idToken, result.expiresAt);
    } catch (e) {
      setError(e instanceof SignInError ? e.message : "Signing in failed; try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel create">
      <h1>Sign in to speak</h1>
      <p class="lead">{challenge() ? "Choose a new password for your account." : "Speakers sign in; listeners only need the link."}</p>
      <form onSubmit={(e) => void submit(e)}>
        <Show when={!challenge()}>
          <label class="field">
            <span>Email</span>
            <input type="email" autocomplete="username" required value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
        </Show>
        <label class="field">
          <span>{challenge() ? "New password" : "Password"}</span>
          <input type="password" autocomplete={challenge() ? "new-password" : "current-password"} required value={password()} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={busy()}>
          {busy() ? "Signing in…" : challenge() ? "Set password" : "Sign in"}
        </button>
      </form>
      <Show when={error()}>
        <p class="notice error" role="alert">{error()}</p>
      </Show>
    </section>
  );
}
