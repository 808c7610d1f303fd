import { describe, expect, it } from "vitest";
import type { SocketState } from "@livetranslate/core/client";
import { type ConnectionNotice, connectionNoticeText, nextConnectionNotice } from "./connection-notice.ts";

/** The notices shown along a sequence of socket states, starting from a page that has not connected yet. */
function noticesAlong(states: SocketState[]): ConnectionNotice[] {
  let previous: SocketState | "idle" = "idle";
  let notice: ConnectionNotice;
  return states.map((state) => {
    notice = nextConnectionNotice(notice, previous, state);
    previous = state;
    return notice;
  });
}

describe("connection notice", () => {
  it("says nothing while the first connection is made", () => {
    expect(noticesAlong(["connecting", "reconnecting", "open"])).toEqual([undefined, undefined, undefined]);
  });

  it("says lost when an open connection drops, through every failed attempt, and back when it opens", () => {
    expect(noticesAlong(["connecting", "open", "reconnecting", "reconnecting", "open"])).toEqual([undefined, undefined, "lost", "lost", "back"]);
  });

  it("replaces back by lost when it drops again", () => {
    expect(noticesAlong(["connecting", "open", "reconnecting", "open", "reconnecting"]).slice(-2)).toEqual(["back", "lost"]);
  });

  it("says nothing when the page closes the connection on purpose", () => {
    expect(noticesAlong(["connecting", "open", "reconnecting", "closed"]).at(-1)).toBeUndefined();
  });

  it("speaks of audio only to a listener who gets it", () => {
    expect(connectionNoticeText("lost", true)).toBe("Connection lost. Reconnecting… Captions and audio will continue when the connection is back.");
    expect(connectionNoticeText("back", true)).toBe("Connected again. Captions and audio continue from now.");
    expect(connectionNoticeText("lost", false)).toBe("Connection lost. Reconnecting… Captions will continue when the connection is back.");
    expect(connectionNoticeText("back", false)).toBe("Connected again. Captions continue from now.");
  });
});
