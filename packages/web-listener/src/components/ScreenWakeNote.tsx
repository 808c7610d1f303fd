import { Match, Switch } from "solid-js";
import { SCREEN_WAKE_TEXT, type ScreenWakeState } from "../screen-wake.ts";

/** Whether the screen stays on while listening: a quiet line when it does, a warning when the browser refused. */
export function ScreenWakeNote(props: { state: ScreenWakeState }) {
  return (
    <Switch>
      <Match when={props.state === "held"}>
        <p class="screen-wake held">{SCREEN_WAKE_TEXT.held}</p>
      </Match>
      <Match when={props.state === "refused"}>
        <p class="notice warn screen-wake refused">{SCREEN_WAKE_TEXT.refused}</p>
      </Match>
    </Switch>
  );
}
