/**
 * The speaker app against local mode off loopback, with the HTTP API and the WebSocket faked: creating a session
 * needs the operator secret, from the speaker link local mode printed or typed.
 */
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";

const SECRET = "k7m2-x9qp-4hzt-r8wn";
const CREATED = { sessionId: "brave-fox-101", speakerToken: "t".repeat(32), sourceLanguage: "en", targetLanguages: ["es"], createdAt: 1, joinKey: "2345-6789-abcd-efgh" };

/** A WebSocket that never opens: the app only has to try. */
class SilentWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  constructor(readonly url: string) {
    super();
  }
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
}

let posted: { authorization?: string; body: Record<string, unknown> }[];

beforeEach(() => {
  posted = [];
  sessionStorage.clear();
  vi.stubGlobal("WebSocket", SilentWebSocket);
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const path = new URL(url).pathname;
      if (path === "/languages") return Response.json({ source: ["en"], target: ["es"] });
      if (path === "/sessions" && init.method === "POST") {
        const authorization = (init.headers as Record<string, string>).authorization;
        posted.push({ authorization, body: JSON.parse(String(init.body)) });
        if (authorization !== `Bearer ${SECRET}`) return Response.json({ error: { code: "unauthorized", message: "…" } }, { status: 401 });
        return Response.json(CREATED, { status: 201 });
      }
      if (path === `/sessions/${CREATED.sessionId}`) return Response.json({ ...CREATED, status: "active", listeners: {} });
      return Response.json({ error: { code: "not_found", message: "…" } }, { status: 404 });
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, "", "/");
});

const create = async () => fireEvent.click(await screen.findByRole("button", { name: "Create session" }));

describe("creating a session where local mode asks for its operator secret", () => {
  it("takes the secret from the speaker link local mode printed, and takes it out of the address bar", async () => {
    // Prepare
    history.replaceState(null, "", `/speaker/#operator=${SECRET}`);
    render(() => <App />);
    expect(window.location.hash).toBe("");
    // Act
    await create();
    // Assess: a private session by default, its key shown and carried by the join link.
    expect(await screen.findByLabelText("Key")).toBeTruthy();
    expect(posted).toEqual([{ authorization: `Bearer ${SECRET}`, body: expect.objectContaining({ private: true }) }]);
    expect(screen.getByLabelText("Key").textContent).toBe(CREATED.joinKey);
    expect(screen.getByRole("link").getAttribute("href")).toBe(`http://localhost:3000/listen/${CREATED.sessionId}#key=${CREATED.joinKey}`);
  });

  it("asks for the secret when the server wants one, says plainly when it is wrong, and creates with the right one", async () => {
    // Prepare
    render(() => <App />);
    // Act: no secret, then a wrong one, then the right one.
    await create();
    const first = (await screen.findByRole("alert")).textContent;
    const field = await screen.findByLabelText("Operator secret");
    fireEvent.input(field, { target: { value: "not-the-secret" } });
    await create();
    await vi.waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/wrong/));
    const second = screen.getByRole("alert").textContent;
    fireEvent.input(screen.getByLabelText("Operator secret"), { target: { value: ` ${SECRET} ` } });
    await create();
    // Assess
    expect(first).toMatch(/needs its operator secret/);
    expect(second).toMatch(/operator secret is wrong/);
    expect(await screen.findByLabelText("Session code")).toBeTruthy();
    expect(posted.map((p) => p.authorization)).toEqual([undefined, "Bearer not-the-secret", `Bearer ${SECRET}`]);
  });
});
