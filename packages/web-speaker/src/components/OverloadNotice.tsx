import { Show } from "solid-js";

export interface Overload {
  lagMs: number;
  shedding: readonly ("interim" | "audio")[];
}

/** The backend is behind real time for this session: say by how much and what listeners miss meanwhile. */
export function OverloadNotice(props: { overload?: Overload }) {
  const what = () =>
    props.overload!.shedding.includes("audio")
      ? "Listeners get captions only, no translated speech, and your live preview is paused until it catches up."
      : "Your live preview is paused until it catches up; listeners still get captions and speech.";
  return (
    <Show when={props.overload}>
      <p class="notice warning" role="alert" aria-label="Overload">
        The server is {(props.overload!.lagMs / 1000).toFixed(1)} s behind. {what()}
      </p>
    </Show>
  );
}
