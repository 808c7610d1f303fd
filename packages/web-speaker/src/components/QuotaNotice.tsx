import type { BindingQuota } from "@livetranslate/core/protocol";
import { For, Show } from "solid-js";

/** What listeners get instead while each AWS quota binds (the server degrades part by part; see docs/quotas.md). */
const EFFECT: Record<BindingQuota, string> = {
  synthesis: "Speech synthesis is at its rate limit: some parts are spoken in a plainer voice or go out as captions only.",
  translation: "Translation is at its rate limit: some parts reach listeners untranslated, as captions in your language.",
  posts: "Sending is at its rate limit: some listeners miss some messages.",
  recognition: "Speech recognition is at its limit of concurrent streams: some sentences wait, and some are lost.",
  publishes: "Broadcasting is at its rate limit: listeners of some languages miss some parts.",
};

/** The AWS quotas met in the last few seconds, and what listeners get meanwhile; nothing while none binds. */
export function QuotaNotice(props: { quotas: readonly string[] }) {
  // A name this app does not know (a newer server's) is left out rather than shown raw.
  const known = () => props.quotas.filter((q): q is BindingQuota => q in EFFECT);
  return (
    <Show when={known().length > 0}>
      <div class="notice warning" role="status" aria-label="Service limits">
        <p>The cloud services are at a limit for this session:</p>
        <ul>
          <For each={known()}>{(quota) => <li>{EFFECT[quota]}</li>}</For>
        </ul>
      </div>
    </Show>
  );
}
