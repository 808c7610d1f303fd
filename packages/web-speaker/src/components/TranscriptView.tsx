import { createEffect, For, on, Show } from "solid-js";
import type { Transcript } from "../transcript.ts";

export function TranscriptView(props: { transcript: Transcript }) {
  let box: HTMLDivElement | undefined;
  createEffect(on(() => [props.transcript.finals.length, props.transcript.interim?.text], () => box && (box.scrollTop = box.scrollHeight)));
  return (
    <div class="transcript" ref={box} role="log" aria-label="Live transcript" aria-live="polite" tabindex="0">
      <Show when={props.transcript.finals.length > 0 || props.transcript.interim} fallback={<p class="muted">Your words appear here as you speak.</p>}>
        <For each={props.transcript.finals}>{(line) => <p class="final">{line.text}</p>}</For>
        <Show when={props.transcript.interim}>
          <p class="interim">{props.transcript.interim!.text}</p>
        </Show>
      </Show>
    </div>
  );
}
