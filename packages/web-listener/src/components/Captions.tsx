import { createEffect, For, on, Show } from "solid-js";
import type { Caption } from "../captions.ts";

/** Newest at the bottom; follows the newest line unless the reader has scrolled up. */
export function Captions(props: { captions: readonly Caption[] }) {
  let list: HTMLOListElement | undefined;
  let following = true;
  createEffect(
    on(
      () => props.captions.length > 0 && props.captions[props.captions.length - 1],
      () => {
        if (list && following) list.scrollTop = list.scrollHeight;
      },
    ),
  );
  return (
    <Show when={props.captions.length > 0} fallback={<p class="waiting">Waiting for the speaker…</p>}>
      <ol
        class="captions"
        ref={list}
        aria-label="Captions"
        aria-live="polite"
        onScroll={() => {
          if (list) following = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        }}
      >
        <For each={props.captions}>
          {(caption) => (
            <li class="caption" data-sequence={caption.sequenceNumber}>
              <p class="translation" classList={{ pending: !caption.translation }}>
                {caption.translation ?? "…"}
              </p>
              <Show when={caption.source}>
                <p class="source">{caption.source}</p>
              </Show>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}
