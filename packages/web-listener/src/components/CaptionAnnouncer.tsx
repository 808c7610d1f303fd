import { For } from "solid-js";
import type { Announcement } from "../captions.ts";

/**
 * What a screen reader reads out, politely, of the captions: each new translation or part of one, appended as
 * its own line, so a growing sentence is not read again from its start. Seen only by assistive technology.
 */
export function CaptionAnnouncer(props: { announcements: readonly Announcement[]; language?: string }) {
  return (
    <div class="visually-hidden" role="log" aria-live="polite" aria-relevant="additions" aria-label="New captions" lang={props.language}>
      <For each={props.announcements}>{(announcement) => <p>{announcement.text}</p>}</For>
    </div>
  );
}
