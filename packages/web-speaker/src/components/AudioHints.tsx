import { For, Show } from "solid-js";
import { AUDIO_HINTS, type AudioHint } from "../audio-quality.ts";

/** The microphone hints in plain words, each with its fix; announced politely, as they come and go while talking. */
export function AudioHints(props: { hints: readonly AudioHint[] }) {
  return (
    <div class="audio-hints" aria-live="polite">
      <Show when={props.hints.length > 0}>
        <ul aria-label="Microphone hints">
          <For each={props.hints}>
            {(hint) => (
              <li class="hint" data-hint={hint}>
                <strong>{AUDIO_HINTS[hint].problem}</strong> {AUDIO_HINTS[hint].fix}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
