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
            <button class="primary enable" type="button" onClick={() => props.onEnable()}>
              Enable audio
            </button>
          }
        >
          <button type="button" class="toggle" aria-pressed={props.muted} onClick={() => props.onMute(!props.muted)}>
            {props.muted ? "Unmute" : "Mute"}
          </button>
          <label class="field volume">
            <span>Volume</span>
            <input type="range" min="0" max="1" step="0.05" value={props.volume} onInput={(event) => props.onVolume(Number(event.currentTarget.value))} />
          </label>
        </Show>
      </Show>
      <div class="text-size" role="group" aria-label="Text size">
        <button type="button" aria-label="Smaller text" onClick={() => scale(-0.1)}>
          A−
        </button>
        <button type="button" aria-label="Larger text" onClick={() => scale(0.1)}>
          A+
        </button>
      </div>
    </div>
  );
}
