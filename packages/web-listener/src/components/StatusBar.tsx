import type { SocketState } from "@livetranslate/core/client";
import type { PlaybackState } from "../playback/queue.ts";

export interface StatusProps {
  socket: SocketState | "idle";
  playback: PlaybackState;
  audioEnabled: boolean;
  /** The language has no voice: there is no audio to enable. */
  captionsOnly?: boolean;
  lagSeconds: number;
  ended: boolean;
}

export function statusText(p: StatusProps): string {
  if (p.ended) return "Session ended";
  if (p.socket === "reconnecting") return "Reconnecting…";
  if (p.socket === "connecting") return "Connecting…";
  if (p.socket !== "open") return "Not connected";
  if (!p.audioEnabled || p.captionsOnly) return "Captions only";
  if (p.playback === "buffering") return "Buffering…";
  if (p.playback === "playing") return "Playing";
  return "Live";
}

export function StatusBar(props: StatusProps) {
  return (
    <span class="status" data-state={props.socket} role="status" aria-label="Status">
      <span class="dot" aria-hidden="true" />
      {statusText(props)}
    </span>
  );
}
