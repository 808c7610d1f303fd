import { endpoints, LiveSocket, type SocketState } from "@livetranslate/core/client";
import { LanguagesResponse, messagesIn, type ServerMessage, type SessionView } from "@livetranslate/core/protocol";
import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { createStore } from "solid-js/store";
import { BroadcastFeed, BroadcastUnavailableError } from "./broadcast-feed.ts";
import { type Announcement, announce, applyCaption, type Caption } from "./captions.ts";
import { AudioControls } from "./components/AudioControls.tsx";
import { CaptionAnnouncer } from "./components/CaptionAnnouncer.tsx";
import { Captions } from "./components/Captions.tsx";
import { ConnectionNoticeView } from "./components/ConnectionNotice.tsx";
import { JoinForm } from "./components/JoinForm.tsx";
import { LanguagePicker } from "./components/LanguagePicker.tsx";
import { ScreenWakeNote } from "./components/ScreenWakeNote.tsx";
import { StatusBar } from "./components/StatusBar.tsx";
import { BACK_NOTICE_MS, type ConnectionNotice, nextConnectionNotice } from "./connection-notice.ts";
import { DownloadReporter, postListenerReport } from "./download-report.ts";
import { chooseLanguage, joinPath, normalizeCode, parseJoinLink } from "./join.ts";
import { Player } from "./playback/player.ts";
import type { PlaybackState } from "./playback/queue.ts";
import { ScreenWake, type ScreenWakeState } from "./screen-wake.ts";

const config = endpoints(window.location, { http: import.meta.env.VITE_HTTP_URL, ws: import.meta.env.VITE_WS_URL });

/** GET /sessions/{id}, with a private session's join key (`key`, a protocol extension). */
const sessionUrl = (sessionId: string, key: string | undefined) =>
  `${config.http}/sessions/${encodeURIComponent(sessionId)}${key ? `?${new URLSearchParams({ key })}` : ""}`;

interface ListenerState {
  session?: SessionView;
  /** A private session's join key, as the link or the listener gave it. */
  key?: string;
  language?: string;
  /** Targets translated but not voiced (GET /languages): no audio is offered for them. */
  captionsOnly: readonly string[];
  socket: SocketState | "idle";
  notice: ConnectionNotice;
  screen: ScreenWakeState;
  captions: readonly Caption[];
  /** The captions as a screen reader is told them: what is new, once. */
  announcements: readonly Announcement[];
  audioEnabled: boolean;
  playback: PlaybackState;
  lagSeconds: number;
  volume: number;
  muted: boolean;
  textScale: number;
  ended: boolean;
  error?: string;
}

/**
 * The session's captions-only languages. Not knowing them is no reason to refuse a listener: then audio is
 * offered for every language, as before this field existed.
 */
async function captionsOnlyLanguages(): Promise<readonly string[]> {
  try {
    const response = await fetch(`${config.http}/languages`);
    const parsed = LanguagesResponse.safeParse(response.ok ? await response.json() : undefined);
    return parsed.success ? (parsed.data.captionsOnly ?? []) : [];
  } catch {
    return [];
  }
}

export function App(props: { location: Location }) {
  const link = parseJoinLink(props.location, import.meta.env.BASE_URL);
  const [state, setState] = createStore<ListenerState>({
    captionsOnly: [],
    socket: "idle",
    notice: undefined,
    screen: "off",
    captions: [],
    announcements: [],
    audioEnabled: false,
    playback: "idle",
    lagSeconds: 0,
    volume: 1,
    muted: false,
    textScale: 1,
    ended: false,
  });
  const [joining, setJoining] = createSignal(false);
  let socket: LiveSocket | undefined;
  let feed: BroadcastFeed | undefined;
  let player: Player | undefined;
  const reporter = new DownloadReporter({ send: postListenerReport(config.http) });
  const onPageHide = () => reporter.flush();
  window.addEventListener("pagehide", onPageHide);
  const screen = new ScreenWake({ wakeLock: navigator.wakeLock, document, onChange: (s) => setState({ screen: s }) });
  const captionsOnly = () => state.language !== undefined && state.captionsOnly.includes(state.language);

  let backTimer: ReturnType<typeof setTimeout> | undefined;
  const endSession = () => {
    setState({ ended: true });
    socket?.close();
    feed?.close();
    void screen.release();
  };

  /**
   * A listener that was disconnected when `sessionEnded` went out is refused on every reconnect, and a browser does
   * not say why: while reconnecting, the session's state is asked for.
   */
  const checkEnded = async () => {
    const sessionId = state.session?.sessionId;
    if (!sessionId || state.ended) return;
    try {
      // The server answers an ended session as one that does not exist; this one existed when the listener joined.
      const response = await fetch(sessionUrl(sessionId, state.key));
      if (response.status === 404 || (response.ok && ((await response.json()) as SessionView).status === "ended")) endSession();
    } catch {
      // Offline: the next reconnect asks again.
    }
  };

  const onSocketState = (socketState: SocketState) => {
    if (socketState === "reconnecting") void checkEnded();
    const notice = nextConnectionNotice(state.notice, state.socket, socketState);
    setState({ socket: socketState, notice });
    clearTimeout(backTimer);
    if (notice === "back") backTimer = setTimeout(() => state.notice === "back" && setState({ notice: undefined }), BACK_NOTICE_MS);
  };

  const ensurePlayer = () => {
    player ??= new Player(
      () => setState({ playback: player!.state, lagSeconds: player!.lagSeconds }),
      (download) => {
        if (state.session && state.language) reporter.record({ sessionId: state.session.sessionId, language: state.language, ...(state.key ? { key: state.key } : {}) }, download);
      },
    );
    (window as unknown as { livetranslatePlayback: unknown }).livetranslatePlayback = player.log;
    return player;
  };

  // A broadcast message may carry earlier parts (their own publish refused by the broker's quota): each is shown as
  // the part it is, in order, before the message itself; a part already shown is not shown twice.
  const onMessage = (received: ServerMessage) => {
    for (const message of messagesIn(received)) onOneMessage(message);
  };

  const onOneMessage = (message: ServerMessage) => {
    // One sent before the listener changed language is no longer theirs.
    if ((message.type === "translation" || message.type === "part") && message.targetLanguage !== state.language) return;
    setState("announcements", (announcements) => announce(announcements, state.captions, message));
    setState("captions", (captions) => applyCaption(captions, message));
    if (message.type === "translatedAudio" && message.targetLanguage === state.language) {
      ensurePlayer().add({ sequenceNumber: message.sequenceNumber, part: message.part, segmentId: message.segmentId, url: message.url, duration: message.duration });
    } else if (message.type === "part" && message.audio && message.targetLanguage === state.language) {
      ensurePlayer().add({ sequenceNumber: message.sequenceNumber, part: message.part, segmentId: message.segmentId, url: message.audio.url, duration: message.audio.duration });
    } else if (message.type === "sessionEnded") {
      endSession();
    } else if (message.type === "error") {
      setState({ error: message.message });
    }
  };

  async function join(sessionId: string, requested?: string, key?: string) {
    setJoining(true);
    setState({ error: undefined });
    try {
      const [response, languages] = await Promise.all([fetch(sessionUrl(sessionId, key)), captionsOnlyLanguages()]);
      if (response.status === 404) {
        throw new Error(
          key
            ? `There is no session "${sessionId}" open to this key: it may have ended. Check the code and the key, or ask for the link again.`
            : `There is no session "${sessionId}" open to listeners: it may have ended, or it is private and needs its key (its link and QR code carry it). Check the code and try again.`,
        );
      }
      if (!response.ok) throw new Error(`The server could not be reached (HTTP ${response.status}). Try again in a moment.`);
      const session = (await response.json()) as SessionView;
      if (session.status === "ended") throw new Error("This session has ended.");
      const language = chooseLanguage(session.targetLanguages, requested, navigator.languages ?? []);
      setState({ session, language, captionsOnly: languages, key });
      history.replaceState(null, "", joinPath(import.meta.env.BASE_URL, session.sessionId, language, key));
      ensurePlayer();
      try {
        // By broadcast (a protocol extension): each part is one message, published once for every listener of the
        // language; a long sentence is heard a clause at a time while it goes on, caption and speech together.
        feed = await BroadcastFeed.open({
          http: config.http,
          sessionId: session.sessionId,
          language: state.language!,
          key,
          onMessage,
          onState: onSocketState,
          onEnded: endSession,
          pageHost: window.location.host,
        });
      } catch (error) {
        if (!(error instanceof BroadcastUnavailableError)) throw error;
        // A server without broadcast: the same parts, one message each, over the WebSocket.
        socket = new LiveSocket({
          url: () =>
            `${config.ws}?${new URLSearchParams({ role: "listener", sessionId: session.sessionId, language: state.language!, bundled: "1", ...(key ? { key } : {}) })}`,
          onMessage,
          onState: onSocketState,
        });
      }
      void screen.hold();
    } catch (error) {
      setState({ error: (error as Error).message });
    } finally {
      setJoining(false);
    }
  }

  const changeLanguage = (language: string) => {
    if (language === state.language) return;
    setState({ language, captions: [], announcements: [] });
    player?.reset();
    if (feed) void feed.setLanguage(language).catch(() => undefined);
    // Not connected yet: connect again, and the new connection asks for the new language.
    else if (socket && !socket.send({ action: "setLanguage", language })) socket.reconnect();
    history.replaceState(null, "", joinPath(import.meta.env.BASE_URL, state.session!.sessionId, language, state.key));
  };

  const enableAudio = async () => {
    // A tap is the best moment to ask again if the browser refused to keep the screen on without one.
    void screen.hold();
    await ensurePlayer().enable();
    setState({ audioEnabled: true });
  };

  if (link.sessionId) void join(link.sessionId, link.language, link.key);
  onCleanup(() => {
    window.removeEventListener("pagehide", onPageHide);
    clearTimeout(backTimer);
    void screen.release();
    reporter.close();
    socket?.close();
    feed?.close();
    void player?.close();
  });

  return (
    <div class="app" style={{ "--text-scale": String(state.textScale) }}>
      <header class="topbar">
        <span class="brand">livetranslate</span>
        <Show when={state.session}>
          <span class="code" aria-label="Session code">{state.session!.sessionId}</span>
          <StatusBar
            socket={state.socket}
            playback={state.playback}
            audioEnabled={state.audioEnabled}
            captionsOnly={captionsOnly()}
            lagSeconds={state.lagSeconds}
            ended={state.ended}
          />
        </Show>
      </header>
      <Switch>
        <Match when={!state.session}>
          <JoinForm busy={joining()} error={state.error} initialCode={link.sessionId} initialKey={link.key} onJoin={(code, key) => void join(normalizeCode(code), link.language, key.trim() || undefined)} />
        </Match>
        <Match when={state.session}>
          <main class="listen">
            <section class="controls" aria-label="Listening controls">
              <LanguagePicker languages={state.session!.targetLanguages} captionsOnly={state.captionsOnly} value={state.language!} onChange={changeLanguage} />
              <AudioControls
                captionsOnly={captionsOnly()}
                enabled={state.audioEnabled}
                volume={state.volume}
                muted={state.muted}
                textScale={state.textScale}
                onEnable={() => void enableAudio()}
                onVolume={(volume) => {
                  setState({ volume });
                  player?.setVolume(volume);
                }}
                onMute={(muted) => {
                  setState({ muted });
                  player?.setMuted(muted);
                }}
                onTextScale={(textScale) => setState({ textScale })}
              />
            </section>
            <Show when={state.error}>
              <p class="notice error" role="alert">{state.error}</p>
            </Show>
            <ConnectionNoticeView notice={state.ended ? undefined : state.notice} withAudio={state.audioEnabled && !captionsOnly()} />
            <ScreenWakeNote state={state.ended ? "off" : state.screen} />
            <Show when={state.ended}>
              <p class="notice" role="status">The speaker has ended this session. Thank you for listening.</p>
            </Show>
            <Captions captions={state.captions} language={state.language} sourceLanguage={state.session!.sourceLanguage} />
            <CaptionAnnouncer announcements={state.announcements} language={state.language} />
          </main>
        </Match>
      </Switch>
    </div>
  );
}
