import { beforeEach, describe, expect, it } from "vitest";
import { speakerStorage } from "./speaker-storage.ts";

describe("what the speaker's browser keeps", () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    history.replaceState(null, "", "/speaker");
  });

  it("takes the operator secret out of the link at once and keeps it in this tab", () => {
    history.replaceState(null, "", "/speaker?x=1#operator=s3cret");
    expect(speakerStorage.operatorSecret.load()).toBe("s3cret");
    expect(window.location.hash).toBe("");
    expect(window.location.search).toBe("?x=1");
    expect(speakerStorage.operatorSecret.load()).toBe("s3cret");
    speakerStorage.operatorSecret.clear();
    expect(speakerStorage.operatorSecret.load()).toBeUndefined();
  });

  it("forgets a sign-in about to expire", () => {
    speakerStorage.signIn.save("id-token", Date.now() + 3_600_000);
    expect(speakerStorage.signIn.load()).toBe("id-token");
    speakerStorage.signIn.save("id-token", Date.now() + 30_000);
    expect(speakerStorage.signIn.load()).toBeUndefined();
  });

  it("keeps the chunk numbering per session across tabs, from 0 for a session it never numbered", () => {
    expect(speakerStorage.chunkNumbering.next("a")).toBe(0);
    speakerStorage.chunkNumbering.save("a", 42);
    expect(speakerStorage.chunkNumbering.next("a")).toBe(42);
    expect(speakerStorage.chunkNumbering.next("b")).toBe(0);
    localStorage.setItem("livetranslate.speaker.nextChunk.b", "garbage");
    expect(speakerStorage.chunkNumbering.next("b")).toBe(0);
    speakerStorage.chunkNumbering.clear("a");
    expect(speakerStorage.chunkNumbering.next("a")).toBe(0);
  });
});
