import type { SocketState } from "@livetranslate/core/browser/client";
import type { PlaybackState } from "../playback/queue.ts";

export function statusText(p: { socket: SocketState | "idle"; playback: PlaybackState; audioEnabled: boolean; lagSeconds: number; ended: boolean }): string {
  if (p.ended) return "Session ended";
  if (p.socket === "reconnecting") return "Reconnecting…";
  if (p.socket === "connecting") return "Connecting…";
  if (p.socket !== "open") return "Not connected";
  if (!p.audioEnabled) return "Captions only";
  if (p.playback === "buffering") return "Buffering…";
  if (p.playback === "playing") return "Playing";
  return "Live";
}

export function StatusBar(props: { socket: SocketState | "idle"; playback: PlaybackState; audioEnabled: boolean; lagSeconds: number; ended: boolean }) {
  return (
    <span class="status" data-state={props.socket} role="status" aria-label="Status">
      <span class="dot" aria-hidden="true" />
      {statusText(props)}
    </span>
  );
}
