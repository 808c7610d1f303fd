/**
 * The listener app as a phone runs it, with the browser's edges faked: the HTTP API (fetch), the WebSocket
 * (the test opens, drops and speaks through it), the AudioContext and the Screen Wake Lock. Timers are fake, so
 * reconnect delays and how long a notice stays up are stepped through, not waited for.
 */
import type { ServerMessage } from "@livetranslate/core/protocol";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";
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

beforeEach(() => {
  sessionStatus = "active";
  joinKey = undefined;
  vi.useFakeTimers();
  FakeWebSocket.created.length = 0;
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("AudioContext", FakeAudioContext);
  languagesAnswer = () => ({ ok: true, status: 200, json: async () => LANGUAGES });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      const path = new URL(url).pathname;
      if (path === `/sessions/${SESSION.sessionId}`) {
        // As the server answers: an ended session, or a private one without its key, as one that does not exist.
        const { searchParams } = new URL(url);
        if (sessionStatus === "ended" || (joinKey !== undefined && searchParams.get("key") !== joinKey)) {
          return { ok: false, status: 404, json: async () => ({ error: { code: "not_found", message: "…" } }) };
        }
        return { ok: true, status: 200, json: async () => ({ ...SESSION, status: sessionStatus }) };
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
  // The app takes segments in parts (the protocol extension).
  expect(new URL(socket.url).searchParams.get("parts")).toBe("1");
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
