import { createSignal, Show } from "solid-js";

export function JoinForm(props: { busy: boolean; error?: string; initialCode?: string; initialKey?: string; onJoin(code: string, key: string): void }) {
  const [code, setCode] = createSignal(props.initialCode ?? "");
  const [key, setKey] = createSignal(props.initialKey ?? "");
  return (
    <main class="join">
      <h1>Listen in your language</h1>
      <p class="lead">Enter the code shown by the speaker, or scan their QR code.</p>
      <form
        class="join-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (code().trim()) props.onJoin(code(), key());
        }}
      >
        <label for="code">Session code</label>
        <input
          id="code"
          name="code"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="joyful-hope-911"
          value={code()}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
        <label for="key">Key, for a private session</label>
        <input
          id="key"
          name="key"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="xxxx-xxxx-xxxx-xxxx"
          value={key()}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <button type="submit" disabled={props.busy || !code().trim()}>
          {props.busy ? "Joining…" : "Join"}
        </button>
      </form>
      <Show when={props.error}>
        <p class="notice error" role="alert">{props.error}</p>
      </Show>
    </main>
  );
}
