import { createEffect, For, on, Show } from "solid-js";
import type { Caption } from "../captions.ts";

/**
 * Newest at the bottom; follows the newest line unless the reader has scrolled up. The list is not a live region
 * (CaptionAnnouncer tells a screen reader what is new); it takes the keyboard focus so it can be scrolled back.
 */
export function Captions(props: { captions: readonly Caption[]; language?: string; sourceLanguage?: string }) {
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
        tabindex="0"
        onScroll={() => {
          if (list) following = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        }}
      >
        <For each={props.captions}>
          {(caption) => (
            <li class="caption" data-sequence={caption.sequenceNumber}>
              <p class="translation" classList={{ pending: !caption.translation }} lang={caption.translation ? props.language : undefined}>
                {caption.translation ?? "…"}
              </p>
              <Show when={caption.source}>
                <p class="source" lang={props.sourceLanguage}>
                  {caption.source}
                </p>
              </Show>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}
