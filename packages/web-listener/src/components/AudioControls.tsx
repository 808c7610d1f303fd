import { Show } from "solid-js";

export interface AudioControlsProps {
  /** The language has captions but no voice: no audio is offered. */
  captionsOnly?: boolean;
  enabled: boolean;
  volume: number;
  muted: boolean;
  textScale: number;
  onEnable(): void;
  onVolume(volume: number): void;
  onMute(muted: boolean): void;
  onTextScale(scale: number): void;
}

export function AudioControls(props: AudioControlsProps) {
  const scale = (delta: number) => props.onTextScale(Math.min(2, Math.max(0.8, Math.round((props.textScale + delta) * 10) / 10)));
  // "Enable audio" gives way to Mute: the focus follows, so a keyboard user is not sent back to the top of the page.
  let enableHadFocus = false;
  return (
    <div class="audio-controls">
      <Show
        when={!props.captionsOnly}
        fallback={
          <p class="captions-only">
            <strong>Captions only</strong>: this language is translated into text, with no spoken translation.
          </p>
        }
      >
        <Show
          when={props.enabled}
          fallback={
            <button
              class="primary enable"
              type="button"
              onClick={(event) => {
                enableHadFocus = document.activeElement === event.currentTarget;
                props.onEnable();
              }}
            >
              Enable audio
            </button>
          }
        >
          <button
            type="button"
            class="toggle"
            aria-pressed={props.muted}
            ref={(button) => {
              if (enableHadFocus) queueMicrotask(() => button.focus());
            }}
            onClick={() => props.onMute(!props.muted)}
          >
            {props.muted ? "Unmute" : "Mute"}
          </button>
          <label class="field volume">
            <span>Volume</span>
            <input type="range" min="0" max="1" step="0.05" value={props.volume} onInput={(event) => props.onVolume(Number(event.currentTarget.value))} />
          </label>
        </Show>
      </Show>
      <div class="text-size" role="group" aria-label="Text size">
        {/* The name starts with the visible text, so "click A plus" works by voice; the rest says what it does. */}
        <button type="button" aria-label="A− smaller text" onClick={() => scale(-0.1)}>
          A−
        </button>
        <button type="button" aria-label="A+ larger text" onClick={() => scale(0.1)}>
          A+
        </button>
      </div>
    </div>
  );
}
