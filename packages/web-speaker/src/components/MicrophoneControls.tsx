import { For, Show } from "solid-js";

export function MicrophoneControls(props: {
  microphones: { deviceId: string; label: string }[];
  microphone: string;
  capturing: boolean;
  starting: boolean;
  onMicrophone(deviceId: string): void;
  onStart(): void;
  onStop(): void;
}) {
  return (
    <div class="mic">
      <label class="field">
        <span>Microphone</span>
        <select value={props.microphone} disabled={props.capturing} onChange={(e) => props.onMicrophone(e.currentTarget.value)}>
          <option value="">Default microphone</option>
          <For each={props.microphones.filter((m) => m.deviceId && m.deviceId !== "default")}>{(m) => <option value={m.deviceId}>{m.label}</option>}</For>
        </select>
      </label>
      <Show
        when={props.capturing}
        fallback={
          <button type="button" class="primary big" disabled={props.starting} onClick={() => props.onStart()}>
            {props.starting ? "Starting…" : "Start"}
          </button>
        }
      >
        <button type="button" class="big stop" onClick={() => props.onStop()}>
          Stop
        </button>
      </Show>
    </div>
  );
}
