/** Local mode off loopback: the secret it printed at start, without which it creates no session. */
export function OperatorSecret(props: { value: string; onInput(value: string): void }) {
  return (
    <section class="panel create" aria-label="Operator">
      <label class="field">
        <span>Operator secret</span>
        <input type="password" autocomplete="off" spellcheck={false} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
      </label>
      <p class="muted">
        On a shared network only the operator creates sessions here: local mode printed the secret (and a speaker link that carries it) when it
        started.
      </p>
    </section>
  );
}
