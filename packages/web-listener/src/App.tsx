import { endpoints, LiveSocket, type SocketState } from "@livetranslate/core/client";
import { LanguagesResponse, type ServerMessage, type SessionView } from "@livetranslate/core/protocol";
import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { createStore } from "solid-js/store";
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
import { chooseLanguage, normalizeCode, parseJoinLink } from "./join.ts";
import { Player } from "./playback/player.ts";
import type { PlaybackState } from "./playback/queue.ts";
import { ScreenWake, type ScreenWakeState } from "./screen-wake.ts";

const config = endpoints(window.location, { http: import.meta.env.VITE_HTTP_URL, ws: import.meta.env.VITE_WS_URL });

interface ListenerState {
  session?: SessionView;
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
      const response = await fetch(`${config.http}/sessions/${encodeURIComponent(sessionId)}`);
      if (response.ok && ((await response.json()) as SessionView).status === "ended") endSession();
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
        if (state.session && state.language) reporter.record({ sessionId: state.session.sessionId, language: state.language }, download);
      },
    );
    (window as unknown as { livetranslatePlayback: unknown }).livetranslatePlayback = player.log;
    return player;
  };

  const onMessage = (message: ServerMessage) => {
    // One sent before the listener changed language is no longer theirs.
    if (message.type === "translation" && message.targetLanguage !== state.language) return;
    setState("announcements", (announcements) => announce(announcements, state.captions, message));
    setState("captions", (captions) => applyCaption(captions, message));
    if (message.type === "translatedAudio" && message.targetLanguage === state.language) {
      ensurePlayer().add({ sequenceNumber: message.sequenceNumber, part: message.part, segmentId: message.segmentId, url: message.url, duration: message.duration });
    } else if (message.type === "sessionEnded") {
      endSession();
    } else if (message.type === "error") {
      setState({ error: message.message });
    }
  };

  async function join(sessionId: string, requested?: string) {
    setJoining(true);
    setState({ error: undefined });
    try {
      const [response, languages] = await Promise.all([fetch(`${config.http}/sessions/${encodeURIComponent(sessionId)}`), captionsOnlyLanguages()]);
      if (response.status === 404) throw new Error(`There is no session "${sessionId}". Check the code and try again.`);
      if (!response.ok) throw new Error(`The server could not be reached (HTTP ${response.status}). Try again in a moment.`);
      const session = (await response.json()) as SessionView;
      if (session.status === "ended") throw new Error("This session has ended.");
      const language = chooseLanguage(session.targetLanguages, requested, navigator.languages ?? []);
      setState({ session, language, captionsOnly: languages });
      history.replaceState(null, "", `${import.meta.env.BASE_URL}${session.sessionId}?lang=${language}`);
      ensurePlayer();
      socket = new LiveSocket({
        // Segments in parts (a protocol extension): a long sentence is heard a clause at a time while it goes on.
        url: () => `${config.ws}?${new URLSearchParams({ role: "listener", sessionId: session.sessionId, language: state.language!, parts: "1" })}`,
        onMessage,
        onState: onSocketState,
      });
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
    // Not connected yet: connect again, and the new connection asks for the new language.
    if (socket && !socket.send({ action: "setLanguage", language })) socket.reconnect();
    history.replaceState(null, "", `${import.meta.env.BASE_URL}${state.session!.sessionId}?lang=${language}`);
  };

  const enableAudio = async () => {
    // A tap is the best moment to ask again if the browser refused to keep the screen on without one.
    void screen.hold();
    await ensurePlayer().enable();
    setState({ audioEnabled: true });
  };

  if (link.sessionId) void join(link.sessionId, link.language);
  onCleanup(() => {
    window.removeEventListener("pagehide", onPageHide);
    clearTimeout(backTimer);
    void screen.release();
    reporter.close();
    socket?.close();
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
          <JoinForm busy={joining()} error={state.error} initialCode={link.sessionId} onJoin={(code) => void join(normalizeCode(code), link.language)} />
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
