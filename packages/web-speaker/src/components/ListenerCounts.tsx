import type { ListenerCounts } from "@livetranslate/core/protocol";
import { For, Show } from "solid-js";
import { languageName } from "@livetranslate/core/client";

export function ListenerCountsView(props: { languages: readonly string[]; counts: ListenerCounts; latencyMs?: number }) {
  const total = () => Object.values(props.counts).reduce((a, b) => a + b, 0);
  return (
    <section class="panel counts" aria-label="Listeners">
      <h2>
        Listeners <span class="total">{total()}</span>
      </h2>
      <ul>
        <For each={props.languages}>
          {(code) => (
            <li>
              <span>{languageName(code)}</span>
              <span class="count" data-language={code}>
                {props.counts[code] ?? 0}
              </span>
            </li>
          )}
        </For>
      </ul>
      <Show when={props.latencyMs !== undefined}>
        <p class="muted">Translated speech reaches listeners {(props.latencyMs! / 1000).toFixed(1)} s after you pause.</p>
      </Show>
    </section>
  );
}
