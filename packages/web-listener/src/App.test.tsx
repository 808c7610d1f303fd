/**
 * The listener app as a phone runs it, with the browser's edges faked: the HTTP API (fetch), the WebSocket
 * (the test opens, drops and speaks through it), the AudioContext and the Screen Wake Lock. Timers are fake, so
 * reconnect delays and how long a notice stays up are stepped through, not waited for.
 */
import type { ServerMessage } from "@livetranslate/core/protocol";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";
import { reachableBrokerUrl } from "./broadcast-feed.ts";
import { BACK_NOTICE_MS } from "./connection-notice.ts";
import { SCREEN_WAKE_TEXT } from "./screen-wake.ts";
import { FakeAudioContext, FakeWebSocket, fakeWakeLock } from "./testing/browser-fakes.ts";

const SESSION = { sessionId: "brave-fox-101", sourceLanguage: "en", targetLanguages: ["es", "gl"], status: "active", listeners: {} };
const LANGUAGES = { source: ["en"], target: ["ca", "es", "gl"], captionsOnly: ["gl"] };

let lock: ReturnType<typeof fakeWakeLock>;
let languagesAnswer: () => { ok: boolean; status: number; json(): Promise<unknown> };

/** What `GET /sessions/{id}` says of the session. */
let sessionStatus: "active" | "ended" = "active";
/** The session's join key, when it is private. */
let joinKey: string | undefined;
/** The bodies of `POST /sessions/{id}/listeners`. */
const joins: { language?: string; key?: string }[] = [];
/** Whether the server offers listening by broadcast (`POST /sessions/{id}/listeners`); without it, the WebSocket. */
let broadcastOffered = false;
const PASS = {
  listenerId: "L1",
  sessionId: "brave-fox-101",
  language: "es",
  token: "L1.secret",
  expiresAt: 0,
  heartbeatSeconds: 30,
  broker: { url: "ws://127.0.0.1:8788/mqtt", clientId: "lt-L1", topic: "livetranslate/local/session/brave-fox-101/es" },
};

/** mqtt.js as the app uses it: a client the test connects and speaks through. */
const broker = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => void;
  class FakeMqttClient {
    connected = false;
    readonly subscribed: string[] = [];
    readonly unsubscribed: string[] = [];
    private readonly handlers = new Map<string, Handler[]>();
    constructor(
      readonly url: string,
      readonly options: Record<string, unknown>,
    ) {}
    on(event: string, handler: Handler) {
      this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
      return this;
    }
    emit(event: string, ...args: unknown[]) {
      for (const handler of this.handlers.get(event) ?? []) handler(...args);
    }
    subscribe(topic: string) {
      this.subscribed.push(topic);
    }
    unsubscribe(topic: string) {
      this.unsubscribed.push(topic);
    }
    end() {
      this.connected = false;
    }
  }
  const clients: FakeMqttClient[] = [];
  return { clients, connect: (url: string, options: Record<string, unknown>) => clients[clients.push(new FakeMqttClient(url, options)) - 1]! };
});
vi.mock("mqtt", () => ({ default: { connect: broker.connect } }));

beforeEach(() => {
  sessionStatus = "active";
  broadcastOffered = false;
  broker.clients.length = 0;
  joinKey = undefined;
  joins.length = 0;
  vi.useFakeTimers();
  FakeWebSocket.created.length = 0;
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("AudioContext", FakeAudioContext);
  languagesAnswer = () => ({ ok: true, status: 200, json: async () => LANGUAGES });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: { method?: string; body?: string }) => {
      const path = new URL(url).pathname;
      if (path === `/sessions/${SESSION.sessionId}`) {
        // As the server answers: an ended session, or a private one without its key, as one that does not exist.
        const { searchParams } = new URL(url);
        if (sessionStatus === "ended" || (joinKey !== undefined && searchParams.get("key") !== joinKey)) {
          return { ok: false, status: 404, json: async () => ({ error: { code: "not_found", message: "…" } }) };
        }
        return { ok: true, status: 200, json: async () => ({ ...SESSION, status: sessionStatus }) };
      }
      if (path.startsWith(`/sessions/${SESSION.sessionId}/listeners`)) {
        if (!broadcastOffered) return { ok: false, status: 404, json: async () => ({ error: { code: "not_found", message: "no route" } }) };
        if (init?.method === "PUT" && sessionStatus === "ended") return { ok: false, status: 409, json: async () => ({ error: { code: "session_ended", message: "ended" } }) };
        const body = JSON.parse(init?.body ?? "{}") as { language?: string; key?: string };
        if (init?.method === "POST") {
          joins.push(body);
          if (sessionStatus === "ended" || (joinKey !== undefined && body.key !== joinKey)) {
            return { ok: false, status: 404, json: async () => ({ error: { code: "session_not_found", message: "…" } }) };
          }
        }
        const language = body.language ?? "es";
        const pass = { ...PASS, language, broker: { ...PASS.broker, topic: `livetranslate/local/session/${SESSION.sessionId}/${language}` } };
        return { ok: true, status: init?.method === "PUT" ? 200 : 201, json: async () => pass };
      }
      if (path === "/languages") return languagesAnswer();
      return { ok: true, status: 204, json: async () => ({}) };
    }),
  );
  lock = fakeWakeLock();
  Object.defineProperty(navigator, "wakeLock", { value: lock.wakeLock, configurable: true });
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "wakeLock");
  Reflect.deleteProperty(document, "visibilityState");
});

/** Lets the app's fetches, promises and due timers run. */
async function settle(ms = 1) {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(ms);
}

/** Opens the join link and lets the server accept the listener's connection. */
async function join(language: string): Promise<FakeWebSocket> {
  render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: `?lang=${language}` } as Location} />);
  await settle();
  const socket = FakeWebSocket.latest();
  expect(new URL(socket.url).searchParams.get("language")).toBe(language);
  // The app takes segments in parts, each part one message (the protocol extensions).
  expect(new URL(socket.url).searchParams.get("bundled")).toBe("1");
  socket.accept();
  await settle();
  return socket;
}

const status = () => screen.getByRole("status", { name: "Status" }).textContent;
const option = (code: string) => screen.getByRole<HTMLSelectElement>("combobox", { name: "Language" }).querySelector(`option[value=${code}]`)!.textContent;

function segment(sequenceNumber: number, language: string, text: string): ServerMessage[] {
  const base = { sessionId: SESSION.sessionId, segmentId: `${SESSION.sessionId}-0000${sequenceNumber}`, sequenceNumber };
  return [
    { type: "transcript", ...base, language: "en", text: `source ${sequenceNumber}`, isFinal: true, startMs: 0, endMs: 1000 },
    { type: "translation", ...base, targetLanguage: language, text },
  ];
}

describe("listening by broadcast", () => {
  /** Opens the join link on a server that offers broadcast; the broker accepts the app's connection. */
  async function joinByBroadcast() {
    broadcastOffered = true;
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es" } as Location} />);
    await settle();
    const client = broker.clients.at(-1)!;
    client.connected = true;
    client.emit("connect");
    return client;
  }

  it("joins for a pass, connects to the broker with it, subscribes to its language and shows what is published", async () => {
    // Prepare
    const client = await joinByBroadcast();
    // Act: a part is published on the topic.
    const part = { type: "part", sessionId: SESSION.sessionId, segmentId: `${SESSION.sessionId}-00001`, sequenceNumber: 1, part: 0, lastPart: true, language: "en", text: "hello", startMs: 0, endMs: 900, targetLanguage: "es", translation: "hola" };
    client.emit("message", PASS.broker.topic, new TextEncoder().encode(JSON.stringify(part)));
    await settle();
    // Assess: no WebSocket; the pass's client id and token; its topic.
    expect(FakeWebSocket.created).toEqual([]);
    expect(client.url).toBe("ws://127.0.0.1:8788/mqtt");
    expect(client.options).toMatchObject({ clientId: "lt-L1", password: "L1.secret" });
    expect(client.subscribed).toEqual([PASS.broker.topic]);
    expect(screen.getByRole("list", { name: "Captions" }).querySelector(".translation")!.textContent).toBe("hola");
    expect(status()).not.toContain("Reconnecting");
  });

  it("shows parts carried by a later message (their own publish refused by the broker's quota) in order, each once, those carried by the end too", async () => {
    // Prepare
    const client = await joinByBroadcast();
    const publish = (message: object) => client.emit("message", PASS.broker.topic, new TextEncoder().encode(JSON.stringify(message)));
    const carried = (sequenceNumber: number, part: number, text: string, translation: string) => ({
      segmentId: `${SESSION.sessionId}-0000${sequenceNumber}`,
      sequenceNumber,
      part,
      lastPart: part === 1,
      language: "en",
      text,
      startMs: 0,
      endMs: 900,
      targetLanguage: "es",
      translation,
    });
    // Act: segment 1's part 0 arrives by itself, and again carried by part 1; segment 2's part 0 is carried by its
    // part 1; segment 3's only part by the session's end.
    publish({ type: "part", sessionId: SESSION.sessionId, ...carried(1, 0, "we met", "nos vimos") });
    publish({ type: "part", sessionId: SESSION.sessionId, ...carried(1, 1, "in Lisbon", "en Lisboa"), carried: [carried(1, 0, "we met", "nos vimos")] });
    publish({ type: "part", sessionId: SESSION.sessionId, ...carried(2, 1, "at noon", "al mediodía"), carried: [carried(2, 0, "then lunch", "luego comimos")] });
    publish({ type: "sessionEnded", sessionId: SESSION.sessionId, carried: [carried(3, 0, "bye", "adiós")] });
    await settle();
    // Assess: three captions in order, each part's translation once.
    const captions = [...screen.getByRole("list", { name: "Captions" }).querySelectorAll(".translation")].map((c) => c.textContent);
    expect(captions).toEqual(["nos vimos en Lisboa", "luego comimos al mediodía", "adiós"]);
  });

  it("renews the pass every heartbeat and moves the subscription when the listener picks another language", async () => {
    // Prepare
    const client = await joinByBroadcast();
    const renewals = () => vi.mocked(fetch).mock.calls.filter(([, init]) => (init as { method?: string } | undefined)?.method === "PUT").length;
    // Act
    await settle(PASS.heartbeatSeconds * 1000);
    const afterHeartbeat = renewals();
    const picker = screen.getByRole<HTMLSelectElement>("combobox", { name: "Language" });
    picker.value = "gl";
    fireEvent.change(picker);
    await settle();
    // Assess
    expect(afterHeartbeat).toBeGreaterThanOrEqual(1);
    expect(client.unsubscribed).toEqual([PASS.broker.topic]);
    expect(client.subscribed.at(-1)).toBe(`livetranslate/local/session/${SESSION.sessionId}/gl`);
  });

  it("joins a private session by its link with the key, and gives its place back when the session ends", async () => {
    // Prepare
    broadcastOffered = true;
    joinKey = "k7m2-x9qp-4hzt-r8wn";
    // Act
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es", hash: `#key=${joinKey}` } as Location} />);
    await settle();
    const client = broker.clients.at(-1)!;
    client.emit("connect");
    client.emit("message", PASS.broker.topic, new TextEncoder().encode(JSON.stringify({ type: "sessionEnded", sessionId: SESSION.sessionId })));
    await settle();
    // Assess: the pass was asked for with the key; leaving used the pass.
    expect(joins).toEqual([{ language: "es", key: joinKey }]);
    expect(FakeWebSocket.created).toEqual([]);
    const left = vi.mocked(fetch).mock.calls.find(([, init]) => (init as { method?: string } | undefined)?.method === "DELETE")!;
    expect(new URL(String(left[0])).pathname).toBe(`/sessions/${SESSION.sessionId}/listeners/${PASS.listenerId}`);
    expect((left[1] as { headers: Record<string, string> }).headers.authorization).toBe(`Bearer ${PASS.token}`);
    expect(screen.getByText(/The speaker has ended this session/)).toBeTruthy();
  });

  it("says the session ended when joining for a pass finds it gone (answered as one that does not exist)", async () => {
    // Prepare: the session ends between the app's look at it and its join.
    broadcastOffered = true;
    vi.mocked(fetch).mockImplementationOnce(async () => ({ ok: true, status: 200, json: async () => ({ ...SESSION, status: "active" }) }) as Response);
    sessionStatus = "ended";
    // Act
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es" } as Location} />);
    await settle();
    // Assess: no fallback to the WebSocket, no broker connection.
    expect(joins.length).toBe(1);
    expect(FakeWebSocket.created).toEqual([]);
    expect(broker.clients).toEqual([]);
    expect(screen.getByText(/The speaker has ended this session/)).toBeTruthy();
  });
});

describe("listening by broadcast, when the broker moves", () => {
  it("renews the pass when the connection cannot be made again, and follows the broker the pass names", async () => {
    // Prepare
    broadcastOffered = true;
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es" } as Location} />);
    await settle();
    const first = broker.clients.at(-1)!;
    first.emit("connect");
    PASS.broker.url = "ws://127.0.0.1:9999/mqtt";
    try {
      // Act: the broker is gone (local mode restarted elsewhere): the connection closes.
      first.emit("close");
      await settle();
      // Assess
      expect(status()).toContain("Reconnecting");
      const second = broker.clients.at(-1)!;
      expect(second).not.toBe(first);
      expect(second.url).toBe("ws://127.0.0.1:9999/mqtt");
      second.emit("connect");
      await settle();
      expect(second.subscribed).toEqual([PASS.broker.topic]);
    } finally {
      PASS.broker.url = "ws://127.0.0.1:8788/mqtt";
    }
  });
});

describe("listening by broadcast, when local mode restarts", () => {
  it("asks again after a later failed attempt when the server was still down at the first, and follows the broker", async () => {
    // Prepare
    broadcastOffered = true;
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es" } as Location} />);
    await settle();
    const first = broker.clients.at(-1)!;
    first.emit("connect");
    const put = () => vi.mocked(fetch).mock.calls.filter(([, init]) => (init as { method?: string } | undefined)?.method === "PUT").length;
    const realFetch = vi.mocked(fetch).getMockImplementation()!;
    vi.mocked(fetch).mockImplementation(async (input, init) => {
      if ((init as { method?: string } | undefined)?.method === "PUT") throw new TypeError("Failed to fetch");
      return realFetch(input, init);
    });
    try {
      // Act: the server is down at the first failed attempt; it is back, with the broker elsewhere, by a later one.
      first.emit("close");
      await settle();
      const whileDown = put();
      vi.mocked(fetch).mockImplementation(realFetch);
      PASS.broker.url = "ws://127.0.0.1:9999/mqtt";
      // Five seconds on (the throttle), well before the next heartbeat would renew anyway.
      await settle(1_000);
      first.emit("close");
      await settle();
      // Assess
      expect(whileDown).toBe(1);
      const second = broker.clients.at(-1)!;
      expect(second).not.toBe(first);
      expect(second.url).toBe("ws://127.0.0.1:9999/mqtt");
    } finally {
      vi.mocked(fetch).mockImplementation(realFetch);
      PASS.broker.url = "ws://127.0.0.1:8788/mqtt";
    }
  });
});

describe("listening by broadcast, when sessionEnded was missed", () => {
  it("learns at the next renewal that the session ended, and says so", async () => {
    // Prepare
    broadcastOffered = true;
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es" } as Location} />);
    await settle();
    broker.clients.at(-1)!.emit("connect");
    // Act: the session ends while no message reaches the listener; a heartbeat later it renews its pass.
    sessionStatus = "ended";
    await settle(PASS.heartbeatSeconds * 1000);
    // Assess
    expect(screen.getByText(/The speaker has ended this session/)).toBeTruthy();
  });
});

describe("reachableBrokerUrl", () => {
  it("reaches a broker on this machine's loopback by the page's host from another device, and leaves others alone", () => {
    expect(reachableBrokerUrl("ws://127.0.0.1:8788/mqtt", "192.168.1.20:8787")).toBe("ws://192.168.1.20:8788/mqtt");
    expect(reachableBrokerUrl("ws://localhost:8788/mqtt", "localhost:8787")).toBe("ws://localhost:8788/mqtt");
    expect(reachableBrokerUrl("wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?x-amz-customauthorizer-name=a", "listen.example.org")).toBe(
      "wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?x-amz-customauthorizer-name=a",
    );
  });
});

describe("one message per part", () => {
  it("shows each part's source and translation as it comes and queues its audio for the listener's language only", async () => {
    const socket = await join("es");
    const base = { type: "part" as const, sessionId: SESSION.sessionId, segmentId: `${SESSION.sessionId}-00003`, sequenceNumber: 3, language: "en", targetLanguage: "es" };
    const audio = (n: number) => ({ url: `http://store/es/3-${n}.wav`, format: "audio/wav", duration: 1.2, timestamp: 1 });
    socket.receive({ ...base, part: 0, lastPart: false, text: "we met", startMs: 0, endMs: 900, translation: "nos vimos", audio: audio(0) });
    socket.receive({ ...base, part: 1, lastPart: true, text: "in Lisbon", startMs: 900, endMs: 2000, translation: "en Lisboa", audio: audio(1) });
    socket.receive({ ...base, targetLanguage: "gl", part: 2, lastPart: true, text: "x", startMs: 0, endMs: 1, audio: { ...audio(2), url: "http://store/gl/3-2.wav" } });
    await settle();
    const captions = screen.getByRole("list", { name: "Captions" });
    expect(captions.querySelector(".translation")!.textContent).toBe("nos vimos en Lisboa");
    const fetched = vi.mocked(fetch).mock.calls.map(([url]) => String(url));
    expect(fetched).toContain("http://store/es/3-0.wav");
    expect(fetched).toContain("http://store/es/3-1.wav");
    expect(fetched).not.toContain("http://store/gl/3-2.wav");
  });
});

describe("a captions-only language", () => {
  it("is labelled captions only, offers no audio, and shows its captions", async () => {
    const socket = await join("gl");
    expect(option("gl")).toBe("Galego (captions only)");
    expect(option("es")).toBe("Español");
    expect(screen.queryByRole("button", { name: "Enable audio" })).toBeNull();
    expect(screen.getByText(/with no spoken translation/)).toBeTruthy();
    expect(status()).toContain("Captions only");
    for (const message of segment(1, "gl", "Ola a todos")) socket.receive(message);
    expect(screen.getByRole("list", { name: "Captions" }).querySelector(".translation")!.textContent).toBe("Ola a todos");
  });

  it("offers audio again when the listener picks a voiced language, and none when they go back", async () => {
    const socket = await join("gl");
    const picker = screen.getByRole<HTMLSelectElement>("combobox", { name: "Language" });
    picker.value = "es";
    fireEvent.change(picker);
    expect(socket.sent).toContainEqual({ action: "setLanguage", language: "es" });
    expect(screen.getByRole("button", { name: "Enable audio" })).toBeTruthy();
    picker.value = "gl";
    fireEvent.change(picker);
    expect(screen.queryByRole("button", { name: "Enable audio" })).toBeNull();
  });

  it("is not assumed when the server does not say which languages are captions only", async () => {
    languagesAnswer = () => ({ ok: false, status: 500, json: async () => ({ error: { code: "internal", message: "x" } }) });
    await join("gl");
    expect(option("gl")).toBe("Galego");
    expect(screen.getByRole("button", { name: "Enable audio" })).toBeTruthy();
  });
});

describe("while listening", () => {
  it("keeps the screen awake, asks again when the page is visible again, and lets it sleep when the session ends", async () => {
    const socket = await join("es");
    expect(lock.held()).toBe(1);
    expect(screen.getByText(SCREEN_WAKE_TEXT.held)).toBeTruthy();
    // The phone is locked: the browser releases the lock. Unlocked: the app asks for it again.
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    for (const sentinel of lock.sentinels) sentinel.releasedByBrowser();
    document.dispatchEvent(new Event("visibilitychange"));
    await settle();
    expect(lock.held()).toBe(0);
    Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
    await settle();
    expect(lock.held()).toBe(1);
    socket.receive({ type: "sessionEnded", sessionId: SESSION.sessionId });
    await settle();
    expect(lock.held()).toBe(0);
    expect(lock.sentinels).toHaveLength(2);
    expect(screen.queryByText(SCREEN_WAKE_TEXT.held)).toBeNull();
  });

  it("says plainly when the browser will not keep the screen on, and asks again at the tap on Enable audio", async () => {
    lock.setRefuse(true);
    await join("es");
    expect(lock.held()).toBe(0);
    expect(screen.getByText(SCREEN_WAKE_TEXT.refused)).toBeTruthy();
    expect(screen.queryByText(SCREEN_WAKE_TEXT.held)).toBeNull();
    // Battery saver off, then a tap: the lock is granted and the page says so.
    lock.setRefuse(false);
    fireEvent.click(screen.getByRole("button", { name: "Enable audio" }));
    await settle();
    expect(lock.held()).toBe(1);
    expect(screen.queryByText(SCREEN_WAKE_TEXT.refused)).toBeNull();
    expect(screen.getByText(SCREEN_WAKE_TEXT.held)).toBeTruthy();
  });

  it("says plainly when the connection is lost and when it is back, then clears", async () => {
    const socket = await join("es");
    expect(screen.queryByRole("alert")).toBeNull();
    socket.drop();
    await settle();
    expect(screen.getByRole("alert").textContent).toMatch(/^Connection lost\. Reconnecting/);
    // The reconnecting socket retries after its backoff; the server accepts it.
    await settle(1000);
    const again = FakeWebSocket.latest();
    expect(again).not.toBe(socket);
    expect(screen.getByRole("alert").textContent).toMatch(/^Connection lost/);
    again.accept();
    await settle();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByText(/^Connected again\./)).toBeTruthy();
    await vi.advanceTimersByTimeAsync(BACK_NOTICE_MS);
    expect(screen.queryByText(/^Connected again\./)).toBeNull();
  });

  it("says the session ended when it ended while the listener was disconnected (every reconnect is refused)", async () => {
    const socket = await join("es");
    sessionStatus = "ended";
    socket.drop();
    await settle(1000);
    expect(screen.getByText(/The speaker has ended this session/)).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("joins a private session by its link: the key goes to the API and the WebSocket, and stays in the address's fragment", async () => {
    // Prepare
    joinKey = "k7m2-x9qp-4hzt-r8wn";
    // Act
    render(() => <App location={{ pathname: `/${SESSION.sessionId}`, search: "?lang=es", hash: `#key=${joinKey}` } as Location} />);
    await settle();
    // Assess
    const socket = FakeWebSocket.latest();
    expect(new URL(socket.url).searchParams.get("key")).toBe(joinKey);
    const asked = vi.mocked(fetch).mock.calls.map(([url]) => new URL(String(url))).find((url) => url.pathname === `/sessions/${SESSION.sessionId}`)!;
    expect(asked.searchParams.get("key")).toBe(joinKey);
    expect(window.location.hash).toBe(`#key=${joinKey}`);
    expect(window.location.search).toBe("?lang=es");
  });

  it("says what a private session needs when it is joined by its code alone, and joins with the key typed beside it", async () => {
    // Prepare
    joinKey = "k7m2-x9qp-4hzt-r8wn";
    render(() => <App location={{ pathname: "/", search: "", hash: "" } as Location} />);
    await settle();
    // Act
    fireEvent.input(screen.getByRole("textbox", { name: "Session code" }), { target: { value: "Brave Fox 101" } });
    fireEvent.click(screen.getByRole("button", { name: "Join" }));
    await settle();
    // Assess
    expect(screen.getByRole("alert").textContent).toMatch(/private and needs its key/);
    expect(FakeWebSocket.created.length).toBe(0);
    fireEvent.input(screen.getByRole("textbox", { name: /^Key/ }), { target: { value: ` ${joinKey} ` } });
    fireEvent.click(screen.getByRole("button", { name: "Join" }));
    await settle();
    expect(new URL(FakeWebSocket.latest().url).searchParams.get("key")).toBe(joinKey);
  });

  it("tells a screen reader each new part of a caption once, in the listener's language, and starts afresh with a new language", async () => {
    const socket = await join("es");
    const [source, whole] = segment(3, "es", "cuando el servicio arranca lee el flujo");
    const inParts = (text: string, part: number, lastPart: boolean) => ({ ...whole, text, part, lastPart }) as ServerMessage;
    socket.receive({ ...source, part: 0, lastPart: false } as ServerMessage);
    socket.receive(inParts("cuando el servicio arranca", 0, false));
    socket.receive(inParts("lee el flujo", 1, true));
    socket.receive(inParts("lee el flujo", 1, true));
    await settle();
    const log = screen.getByRole("log", { name: "New captions" });
    expect([...log.querySelectorAll("p")].map((p) => p.textContent)).toEqual(["cuando el servicio arranca", "lee el flujo"]);
    expect(log.getAttribute("lang")).toBe("es");
    expect(screen.getByRole("list", { name: "Captions" }).querySelector(".translation")!.textContent).toBe("cuando el servicio arranca lee el flujo");
    const picker = screen.getByRole<HTMLSelectElement>("combobox", { name: "Language" });
    picker.value = "gl";
    fireEvent.change(picker);
    // In flight before the switch: shown nowhere, said nowhere.
    socket.receive(segment(4, "es", "adiós")[1]!);
    socket.receive(segment(5, "gl", "Ola")[1]!);
    await settle();
    expect([...log.querySelectorAll("p")].map((p) => p.textContent)).toEqual(["Ola"]);
    expect([...screen.getByRole("list", { name: "Captions" }).querySelectorAll(".translation")].map((p) => p.textContent)).toEqual(["Ola"]);
    expect(log.getAttribute("lang")).toBe("gl");
  });

  it("does not call the end of a session a lost connection", async () => {
    const socket = await join("es");
    socket.receive({ type: "sessionEnded", sessionId: SESSION.sessionId });
    await settle(1000);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByText(/The speaker has ended this session/)).toBeTruthy();
  });
});
