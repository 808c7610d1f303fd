import { For } from "solid-js";
import { languageName } from "@livetranslate/core/client";

export function LanguagePicker(props: { languages: readonly string[]; captionsOnly?: readonly string[]; value: string; onChange(language: string): void }) {
  // Said before the listener picks it, so nobody chooses a language expecting to hear it.
  const label = (code: string) => (props.captionsOnly?.includes(code) ? `${languageName(code)} (captions only)` : languageName(code));
  return (
    <label class="field">
      <span>Language</span>
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        <For each={props.languages}>{(code) => <option value={code}>{label(code)}</option>}</For>
      </select>
    </label>
  );
}
