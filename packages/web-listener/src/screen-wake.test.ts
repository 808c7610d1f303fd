import { describe, expect, it } from "vitest";
import { ScreenWake, type ScreenWakeState } from "./screen-wake.ts";
import { fakeWakeLock } from "./testing/browser-fakes.ts";

/** A document whose visibility the test sets; hiding it releases the lock, as browsers do. */
function fakeDocument(lock?: ReturnType<typeof fakeWakeLock>) {
  const target = new EventTarget();
  const document = Object.assign(target, { visibilityState: "visible" as DocumentVisibilityState });
  const show = (state: DocumentVisibilityState) => {
    document.visibilityState = state;
    if (state === "hidden") for (const s of lock?.sentinels ?? []) s.releasedByBrowser();
    target.dispatchEvent(new Event("visibilitychange"));
  };
  return { document, show };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ScreenWake", () => {
  it("keeps the screen on while listening and lets it go when asked", async () => {
    const lock = fakeWakeLock();
    const { document } = fakeDocument(lock);
    const states: ScreenWakeState[] = [];
    const wake = new ScreenWake({ wakeLock: lock.wakeLock, document, onChange: (s) => states.push(s) });
    expect(wake.state).toBe("off");
    await wake.hold();
    expect(lock.held()).toBe(1);
    await wake.hold(); // asked again (a tap): still one lock
    expect(lock.held()).toBe(1);
    await wake.release();
    expect(lock.held()).toBe(0);
    expect(states).toEqual(["held", "off"]);
  });

  it("asks again when the page is visible again after the browser released the lock", async () => {
    const lock = fakeWakeLock();
    const { document, show } = fakeDocument(lock);
    const wake = new ScreenWake({ wakeLock: lock.wakeLock, document });
    await wake.hold();
    show("hidden");
    await settle();
    expect(wake.state).toBe("off");
    expect(lock.held()).toBe(0);
    show("visible");
    await settle();
    expect(wake.state).toBe("held");
    expect(lock.held()).toBe(1);
    expect(lock.sentinels).toHaveLength(2);
  });

  it("does not ask while the page is hidden, and not at all after release", async () => {
    const lock = fakeWakeLock();
    const { document, show } = fakeDocument(lock);
    const wake = new ScreenWake({ wakeLock: lock.wakeLock, document });
    document.visibilityState = "hidden";
    await wake.hold();
    expect(lock.sentinels).toHaveLength(0);
    show("visible");
    await settle();
    expect(lock.held()).toBe(1);
    await wake.release();
    show("hidden");
    show("visible");
    await settle();
    expect(lock.sentinels).toHaveLength(1);
    expect(lock.held()).toBe(0);
  });

  it("says refused when the browser refuses, and tries again on the next hold", async () => {
    const lock = fakeWakeLock({ refuse: true });
    const { document } = fakeDocument(lock);
    const wake = new ScreenWake({ wakeLock: lock.wakeLock, document });
    await wake.hold();
    expect(wake.state).toBe("refused");
    lock.setRefuse(false);
    await wake.hold();
    expect(wake.state).toBe("held");
  });

  it("lets go of a lock granted after release was asked for", async () => {
    const lock = fakeWakeLock();
    const { document } = fakeDocument(lock);
    const wake = new ScreenWake({ wakeLock: lock.wakeLock, document });
    const holding = wake.hold();
    await wake.release();
    await holding;
    expect(lock.sentinels).toHaveLength(1);
    expect(lock.held()).toBe(0);
    expect(wake.state).toBe("off");
  });

  it("does nothing where the browser has no Screen Wake Lock", async () => {
    const { document, show } = fakeDocument();
    const wake = new ScreenWake({ wakeLock: undefined, document });
    await wake.hold();
    show("visible");
    expect(wake.state).toBe("unsupported");
    await wake.release();
    expect(wake.state).toBe("unsupported");
  });
});
