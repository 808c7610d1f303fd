import { Match, Switch } from "solid-js";
import { type ConnectionNotice, connectionNoticeText } from "../connection-notice.ts";

/** `withAudio`: the listener gets translated speech (a voiced language, audio enabled). */
export function ConnectionNoticeView(props: { notice: ConnectionNotice; withAudio: boolean }) {
  return (
    <Switch>
      <Match when={props.notice === "lost"}>
        <p class="notice warn connection-lost" role="alert">
          {connectionNoticeText("lost", props.withAudio)}
        </p>
      </Match>
      <Match when={props.notice === "back"}>
        <p class="notice ok connection-back" role="status">
          {connectionNoticeText("back", props.withAudio)}
        </p>
      </Match>
    </Switch>
  );
}
