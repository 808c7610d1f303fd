import { For } from "solid-js";

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
      {/*
        One button from Start through "Starting…" to Stop and back, never disabled: the keyboard focus stays on it, so
        the speaker who pressed Start with Enter can press Stop the same way.
      */}
      <button
        type="button"
        class="big"
        classList={{ primary: !props.capturing, stop: props.capturing }}
        aria-disabled={props.starting && !props.capturing ? "true" : undefined}
        onClick={() => {
          if (props.capturing) props.onStop();
          else if (!props.starting) props.onStart();
        }}
      >
        {props.capturing ? "Stop" : props.starting ? "Starting…" : "Start"}
      </button>
    </div>
  );
}
