/**
 * Keeps the listener's screen on while they listen: a phone that dims and locks after 30 s stops showing the
 * captions, and on most phones stops the audio too. Uses the Screen Wake Lock API where the browser has it;
 * elsewhere nothing happens (the page works as before).
 *
 * The browser releases the lock whenever the page is hidden (another tab, the phone locked), so it is asked for
 * again each time the page becomes visible while the listener is still listening.
 */

/**
 * What the listener reads about their screen: that it stays on, or that the browser would not keep it on (then
 * they can change the setting that turns it off). Nothing is said where the browser has no wake lock.
 */
export const SCREEN_WAKE_TEXT = {
  held: "Your screen stays on while you listen.",
  refused: "Your browser would not keep the screen on, so it may turn off while you listen. Turn off battery saver or make the screen timeout longer.",
} as const;

/** What this needs of `navigator.wakeLock` (and what a test fakes). */
export interface ScreenWakeLock {
  request(type: "screen"): Promise<ScreenWakeSentinel>;
}

export interface ScreenWakeSentinel {
  readonly released: boolean;
  release(): Promise<void>;
  addEventListener(type: "release", listener: () => void): void;
}

/** held: the screen stays on; off: not asked for, or released by the browser; unsupported; refused (e.g. battery saver). */
export type ScreenWakeState = "off" | "held" | "unsupported" | "refused";

export interface ScreenWakeOptions {
  /** `navigator.wakeLock`, undefined where the browser lacks it. */
  wakeLock: ScreenWakeLock | undefined;
  document: Pick<Document, "visibilityState" | "addEventListener" | "removeEventListener">;
  onChange?(state: ScreenWakeState): void;
}

export class ScreenWake {
  private wanted = false;
  private sentinel: ScreenWakeSentinel | undefined;
  private requesting: Promise<void> | undefined;
  private current: ScreenWakeState;
  private readonly onVisibility = () => {
    if (this.options.document.visibilityState === "visible") void this.acquire();
  };

  constructor(private readonly options: ScreenWakeOptions) {
    this.current = options.wakeLock ? "off" : "unsupported";
  }

  get state(): ScreenWakeState {
    return this.current;
  }

  /** Keeps the screen on from now until `release()`. Safe to call again (e.g. on a tap, after a refusal). */
  async hold(): Promise<void> {
    if (!this.options.wakeLock) return;
    if (!this.wanted) {
      this.wanted = true;
      this.options.document.addEventListener("visibilitychange", this.onVisibility);
    }
    await this.acquire();
  }

  /** Lets the screen turn off again (the session ended, or the listener left). */
  async release(): Promise<void> {
    if (!this.wanted) return;
    this.wanted = false;
    this.options.document.removeEventListener("visibilitychange", this.onVisibility);
    await this.requesting;
    const sentinel = this.sentinel;
    this.sentinel = undefined;
    if (sentinel && !sentinel.released) await sentinel.release();
    this.set("off");
  }

  private async acquire(): Promise<void> {
    const wakeLock = this.options.wakeLock;
    // A hidden page is refused the lock; it is asked for when the page is visible again.
    if (!wakeLock || !this.wanted || this.options.document.visibilityState !== "visible") return;
    if (this.sentinel && !this.sentinel.released) return;
    this.requesting ??= (async () => {
      try {
        const sentinel = await wakeLock.request("screen");
        this.sentinel = sentinel;
        sentinel.addEventListener("release", () => {
          if (this.sentinel === sentinel) this.set("off");
        });
        this.set("held");
      } catch {
        this.set("refused");
      } finally {
        this.requesting = undefined;
      }
    })();
    await this.requesting;
  }

  private set(state: ScreenWakeState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onChange?.(state);
  }
}
