import type { GlossaryEntry, LanguagesResponse } from "@livetranslate/core/protocol";
import { glossaryTextFromCsv, parseGlossary } from "../glossary-text.ts";
import { createSignal, For, Show } from "solid-js";
import { languageName } from "@livetranslate/core/client";

export function CreateSession(props: {
  languages?: LanguagesResponse;
  onCreate(source: string, targets: string[], keepTranscript: boolean, glossary: GlossaryEntry[], privateSession: boolean): void;
}) {
  const [source, setSource] = createSignal<string>();
  const [targets, setTargets] = createSignal<string[]>();
  const [keepTranscript, setKeepTranscript] = createSignal(false);
  // Private by default: listeners come by the link or QR code, and a guessed code then lets no one in.
  const [privateSession, setPrivateSession] = createSignal(true);
  const [glossaryText, setGlossaryText] = createSignal("");
  const [csvError, setCsvError] = createSignal<string>();
  const glossary = () => parseGlossary(glossaryText(), targetValues());
  const sourceValue = () => source() ?? props.languages?.source[0] ?? "";
  const targetValues = () => targets() ?? props.languages?.target.filter((t) => t !== sourceValue()) ?? [];
  const toggle = (code: string, on: boolean) => setTargets(on ? [...targetValues(), code] : targetValues().filter((t) => t !== code));
  return (
    <section class="panel create">
      <h1>Start a translated session</h1>
      <p class="lead">Pick the language you speak and the languages your listeners can choose.</p>
      <Show when={props.languages} fallback={<p class="muted">Loading languages…</p>}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const parsed = glossary();
            if ("entries" in parsed) props.onCreate(sourceValue(), targetValues(), keepTranscript(), parsed.entries, privateSession());
          }}
        >
          <label class="field">
            <span>I speak</span>
            <select value={sourceValue()} onChange={(e) => setSource(e.currentTarget.value)}>
              <For each={props.languages!.source}>{(code) => <option value={code}>{languageName(code)}</option>}</For>
            </select>
          </label>
          <fieldset class="targets">
            <legend>Listeners can choose</legend>
            <For each={props.languages!.target.filter((t) => t !== sourceValue())}>
              {(code) => (
                <label class="check">
                  <input type="checkbox" checked={targetValues().includes(code)} onChange={(e) => toggle(code, e.currentTarget.checked)} />
                  {props.languages!.captionsOnly?.includes(code) ? `${languageName(code)} (captions only)` : languageName(code)}
                </label>
              )}
            </For>
          </fieldset>
          <label class="field">
            <span>Glossary (optional): one term per line, "term", "term = translation" or "term = es: …; fr: …"</span>
            <textarea rows={3} value={glossaryText()} onInput={(e) => setGlossaryText(e.currentTarget.value)} aria-label="Glossary" />
          </label>
          <label class="field">
            <span>…or load a CSV file (term, es, fr, … columns)</span>
            <input
              type="file"
              accept=".csv,text/csv"
              aria-label="Glossary CSV file"
              onChange={async (e) => {
                const file = e.currentTarget.files?.[0];
                if (!file) return;
                const read = glossaryTextFromCsv(await file.text());
                setCsvError("error" in read ? read.error : undefined);
                if ("text" in read) setGlossaryText(read.text);
              }}
            />
          </label>
          <Show when={csvError()}>
            {(error) => (
              <p class="notice error" role="alert">
                {error()}
              </p>
            )}
          </Show>
          <Show when={"error" in glossary() && (glossary() as { error: string }).error}>
            {(error) => (
              <p class="notice error" role="alert">
                {error()}
              </p>
            )}
          </Show>
          <label class="check">
            <input type="checkbox" checked={keepTranscript()} onChange={(e) => setKeepTranscript(e.currentTarget.checked)} />
            Keep a transcript in every language for me to download (kept one day)
          </label>
          <label class="check">
            <input type="checkbox" checked={privateSession()} onChange={(e) => setPrivateSession(e.currentTarget.checked)} />
            Private: listeners need the link, the QR code or the key, not the code alone
          </label>
          <button type="submit" class="primary" disabled={targetValues().length === 0}>
            Create session
          </button>
        </form>
      </Show>
    </section>
  );
}
