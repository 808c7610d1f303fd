/**
 * Stand-ins for what the listener app takes from the browser and jsdom lacks or cannot drive: the Screen Wake
 * Lock, a WebSocket the test opens, drops and speaks through, and an AudioContext that never plays.
 */
import type { ScreenWakeLock, ScreenWakeSentinel } from "../screen-wake.ts";

/** `navigator.wakeLock` as a browser behaves: one sentinel per grant, released by the page or by the browser. */
export function fakeWakeLock(options: { refuse?: boolean } = {}) {
  const sentinels: (ScreenWakeSentinel & { releasedByBrowser(): void })[] = [];
  let refuse = options.refuse ?? false;
  const wakeLock: ScreenWakeLock = {
    async request(type) {
      if (type !== "screen") throw new TypeError(`unknown wake lock type ${type}`);
      if (refuse) throw new DOMException("Wake lock refused (battery saver)", "NotAllowedError");
      const listeners: (() => void)[] = [];
      const sentinel = {
        released: false,
        async release() {
          if (sentinel.released) return;
          sentinel.released = true;
          for (const listener of listeners) listener();
        },
        addEventListener(_type: "release", listener: () => void) {
          listeners.push(listener);
        },
        releasedByBrowser() {
          void sentinel.release();
        },
      };
      sentinels.push(sentinel);
      return sentinel;
    },
  };
  return {
    wakeLock,
    sentinels,
    held: () => sentinels.filter((s) => !s.released).length,
    setRefuse: (value: boolean) => void (refuse = value),
  };
}


/** A server-side view of a WebSocket: the test decides when it opens, what it receives and when it drops. */
export class FakeWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  static readonly created: FakeWebSocket[] = [];
  readyState = 0;
  binaryType = "blob";
  readonly sent: unknown[] = [];

  constructor(readonly url: string) {
    super();
    FakeWebSocket.created.push(this);
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.created.at(-1);
    if (!socket) throw new Error("no WebSocket was opened");
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }

  accept(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  receive(message: object): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }

  /** The network goes away (or the gateway closes the connection). */
  drop(): void {
    this.close();
  }
}

/** Enough of an AudioContext for the player to be built and unlocked; it plays nothing. */
export class FakeAudioContext extends EventTarget {
  state: AudioContextState = "suspended";
  currentTime = 0;
  readonly destination = {};
  createGain() {
    return { gain: { setTargetAtTime() {} }, connect() {} };
  }
  createAnalyser() {
    return { fftSize: 0, connect() {}, getFloatTimeDomainData() {} };
  }
  async resume() {
    this.state = "running";
    this.dispatchEvent(new Event("statechange"));
  }
  async close() {
    this.state = "closed";
  }
}
