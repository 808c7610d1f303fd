import { languageName } from "@livetranslate/core/client";
import { createSignal, For, Show } from "solid-js";

const FORMATS = [
  { format: "vtt", label: "WebVTT" },
  { format: "srt", label: "SubRip" },
  { format: "txt", label: "Text" },
] as const;

/**
 * After End session, when the session kept its transcript: one download per language and format. The transcript
 * is the speaker's alone (Bearer speakerToken), so each is fetched with the token and saved from a blob.
 */
export function TranscriptDownloads(props: {
  http: string;
  session: { sessionId: string; speakerToken: string; sourceLanguage: string; targetLanguages: readonly string[] };
  fetch?: typeof fetch;
  save?: (name: string, blob: Blob) => void;
}) {
  const [error, setError] = createSignal<string>();
  const download = async (language: string, format: string) => {
    setError(undefined);
    const { sessionId, speakerToken } = props.session;
    const response = await (props.fetch ?? fetch)(`${props.http}/sessions/${sessionId}/transcript?language=${language}&format=${format}`, {
      headers: { authorization: `Bearer ${speakerToken}` },
    }).catch(() => undefined);
    if (!response?.ok) {
      const body = await response?.json().catch(() => undefined);
      setError(body?.error?.message ?? "The transcript could not be downloaded; try again.");
      return;
    }
    (props.save ?? saveBlob)(`${sessionId}-${language}.${format}`, await response.blob());
  };
  return (
    <section class="panel transcript-downloads" aria-label="Transcript">
      <h2>Transcript</h2>
      <ul>
        <For each={[props.session.sourceLanguage, ...props.session.targetLanguages]}>
          {(language) => (
            <li>
              <span>{languageName(language)}</span>
              <For each={FORMATS}>
                {({ format, label }) => (
                  <button type="button" onClick={() => void download(language, format)} aria-label={`${languageName(language)} ${label}`}>
                    {label}
                  </button>
                )}
              </For>
            </li>
          )}
        </For>
      </ul>
      <Show when={error()}>
        <p class="notice error" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}

function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
