import { For } from "solid-js";
import { languageName } from "@livetranslate/core/browser/client";

export function LanguagePicker(props: { languages: readonly string[]; value: string; onChange(language: string): void }) {
  return (
    <label class="field">
      <span>Language</span>
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        <For each={props.languages}>{(code) => <option value={code}>{languageName(code)}</option>}</For>
      </select>
    </label>
  );
}
