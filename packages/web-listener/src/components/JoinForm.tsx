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
        <TypedField id="code" label="Session code" placeholder="joyful-hope-911" value={code()} onInput={setCode} />
        <TypedField id="key" label="Key, for a private session" placeholder="xxxx-xxxx-xxxx-xxxx" value={key()} onInput={setKey} />
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

/** A code or key as a person types it: no autocompletion, capitals or spelling fixes. */
function TypedField(props: { id: string; label: string; placeholder: string; value: string; onInput(value: string): void }) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        autocomplete="off"
        autocapitalize="none"
        spellcheck={false}
        placeholder={props.placeholder}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </>
  );
}
