import { Match, Switch } from "solid-js";
import { CONNECTION_NOTICE_TEXT, type ConnectionNotice } from "../connection-notice.ts";

export function ConnectionNoticeView(props: { notice: ConnectionNotice }) {
  return (
    <Switch>
      <Match when={props.notice === "lost"}>
        <p class="notice warn connection-lost" role="alert">
          {CONNECTION_NOTICE_TEXT.lost}
        </p>
      </Match>
      <Match when={props.notice === "back"}>
        <p class="notice ok connection-back" role="status">
          {CONNECTION_NOTICE_TEXT.back}
        </p>
      </Match>
    </Switch>
  );
}
