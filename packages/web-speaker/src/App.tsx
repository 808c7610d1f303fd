import { TranscriptDownloads } from "./components/TranscriptDownloads.tsx";
import { type Overload, OverloadNotice } from "./components/OverloadNotice.tsx";
import { QuotaNotice } from "./components/QuotaNotice.tsx";
import { type Capture, CaptureError, listMicrophones, startCapture } from "@livetranslate/audio-worklet/capture";
import { endpoints, LiveSocket, type SocketState } from "@livetranslate/core/client";
import type { CreateSessionResponse, GlossaryEntry, LanguagesResponse, ListenerCounts, ServerMessage } from "@livetranslate/core/protocol";
import { onCleanup, onMount, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { type AudioHint, AudioQualityMonitor } from "./audio-quality.ts";
import { ChunkSender } from "./chunk-sender.ts";
import { AudioHints } from "./components/AudioHints.tsx";
import { CreateSession } from "./components/CreateSession.tsx";
import { LevelMeter } from "./components/LevelMeter.tsx";
import { ListenerCountsView } from "./components/ListenerCounts.tsx";
import { MicrophoneControls } from "./components/MicrophoneControls.tsx";
import { SessionShare } from "./components/SessionShare.tsx";
import { SignIn } from "./components/SignIn.tsx";
import { OperatorSecret } from "./components/OperatorSecret.tsx";
import { SpeakerAuth } from "./sign-in.ts";
import { TranscriptView } from "./components/TranscriptView.tsx";
import { type SavedSession, speakerStorage } from "./speaker-storage.ts";
import { applyTranscript, type Transcript } from "./transcript.ts";

const config = endpoints(window.location, { http: import.meta.env.VITE_HTTP_URL, ws: import.meta.env.VITE_WS_URL });
const listenerBase = import.meta.env.VITE_LISTENER_URL || `${window.location.origin}/listen/`;
/** How long sending waits for the server's `chunkPosition` answer before going on with the page's numbering. */
const POSITION_WAIT_MS = 3000;
/**
 * Without `sessionEnded` this long after End session, the end is asked for again: the backend's end may be waiting
 * for audio sent before it that never arrives, and the repeat is what tells it the wait is over (it waits 10 s).
 */
const END_REPEAT_MS = 12_000;
/** ...and this long after, the page ends anyway. */
const END_GIVE_UP_MS = 25_000;
/** In AWS, creating a session needs a signed-in speaker (Cognito); local mode is open. */
const auth = import.meta.env.VITE_COGNITO_CLIENT_ID
  ? new SpeakerAuth({ region: import.meta.env.VITE_COGNITO_REGION ?? "us-east-1", clientId: import.meta.env.VITE_COGNITO_CLIENT_ID })
  : undefined;

interface SpeakerState {
  idToken?: string;
  /** Local mode's operator secret, from the link it printed or typed; asked for once the server wants one. */
  operatorSecret?: string;
  operatorNeeded: boolean;
  languages?: LanguagesResponse;
  session?: SavedSession;
  socket: SocketState | "idle";
  capturing: boolean;
  starting: boolean;
  level: number;
  /** What is wrong with the microphone's audio right now, while capturing. */
  hints: readonly AudioHint[];
  transcript: Transcript;
  listeners: ListenerCounts;
  latencyMs?: number;
  /** Set while the backend sheds work for this session (sessionStatus extension). */
  overload?: Overload;
  /** The AWS quotas the server last said bind (`sessionStatus.quotas`). */
  quotas: readonly string[];
  microphones: { deviceId: string; label: string }[];
  microphone: string;
  ended: boolean;
  error?: string;
}

export function App() {
  const [state, setState] = createStore<SpeakerState>({
    socket: "idle",
    capturing: false,
    starting: false,
    level: 0,
    hints: [],
    transcript: { finals: [] },
    listeners: {},
    quotas: [],
    microphones: [],
    microphone: "",
    ended: false,
    idToken: speakerStorage.signIn.load(),
    operatorSecret: speakerStorage.operatorSecret.load(),
    operatorNeeded: false,
  });
  let socket: LiveSocket | undefined;
  let sender: ChunkSender | undefined;
  let capture: Capture | undefined;
  /** End session was pressed: the end goes out as soon as the socket is open (it may be reconnecting). */
  let ending = false;
  let positionWait: ReturnType<typeof setTimeout> | undefined;

  /** Audio flows again (the numbering is known, or the server did not say): held chunks first, then the end. */
  const release = () => {
    clearTimeout(positionWait);
    positionWait = undefined;
    sender?.resume();
    if (ending) sendEnd();
  };

  const onMessage = (message: ServerMessage) => {
    if (message.type === "transcript") setState("transcript", (t) => applyTranscript(t, message));
    else if (message.type === "sessionStatus") {
      setState({
        listeners: message.listeners,
        latencyMs: message.latencyMs,
        // A status without the fields comes from a server that does not shed, or one keeping up.
        overload: message.overloaded ? { lagMs: message.lagMs ?? 0, shedding: message.shedding ?? [] } : undefined,
        quotas: message.quotas ?? [],
      });
    }
    else if (message.type === "sessionEnded") {
      // Audio sent before the end that never reached the backend is in no caption: the speaker should know.
      if (message.chunksLost) setState({ error: `${(message.chunksLost / 10).toFixed(1)} s of audio sent before the end never arrived and is not in the captions.` });
      endLocally();
    }
    else if (message.type === "chunkPosition") {
      sender?.continueFrom(message.nextChunkIndex);
      release();
    } else if (message.type === "error" && message.code === "chunk_index_reused" && message.nextChunkIndex !== undefined) {
      // Another page of this session numbered past us: carry on after it (the chunks it refused are lost).
      sender?.continueFrom(message.nextChunkIndex);
    } else if (message.type === "error" && message.action === "chunkPosition") release();
    else if (message.type === "error" && message.code !== "session_ended") setState({ error: message.message });
  };

  /**
   * Listener counts also come from GET /sessions/{id}: sessionStatus is sent while audio flows, and the
   * speaker wants to see people arrive before starting.
   */
  let poll: ReturnType<typeof setInterval> | undefined;
  function watchListeners(sessionId: string, speakerToken: string) {
    clearInterval(poll);
    const refresh = async () => {
      if (state.capturing) return;
      const view = await fetch(`${config.http}/sessions/${sessionId}`, { headers: asSpeaker(speakerToken) })
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined);
      if (view?.listeners) setState({ listeners: view.listeners });
    };
    void refresh();
    poll = setInterval(refresh, 3000);
  }

  function connect(session: CreateSessionResponse) {
    watchListeners(session.sessionId, session.speakerToken);
    sender = new ChunkSender(session.sessionId, (m) => socket?.send(m) ?? false, {
      firstIndex: speakerStorage.chunkNumbering.next(session.sessionId),
      onNumbered: (next) => speakerStorage.chunkNumbering.save(session.sessionId, next),
    });
    socket = new LiveSocket({
      url: () => `${config.ws}?${new URLSearchParams({ role: "speaker", sessionId: session.sessionId, token: session.speakerToken })}`,
      onMessage,
      onState: (s) => {
        setState({ socket: s });
        if (s === "open") {
          // Ask where the session's numbering stands before any chunk goes out (a reload starts this page afresh).
          sender?.hold();
          socket?.send({ action: "chunkPosition", sessionId: session.sessionId });
          clearTimeout(positionWait);
          positionWait = setTimeout(release, POSITION_WAIT_MS);
        }
      },
    });
  }

  async function createSession(sourceLanguage: string, targetLanguages: string[], keepTranscript = false, glossary: GlossaryEntry[] = [], privateSession = false) {
    setState({ error: undefined });
    try {
      // Signed in on AWS (Cognito's ID token); local mode off loopback takes its operator secret the same way.
      const credential = state.idToken ?? (state.operatorSecret?.trim() || undefined);
      const response = await fetch(`${config.http}/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
        body: JSON.stringify({ sourceLanguage, targetLanguages, keepTranscript, ...(glossary.length ? { glossary } : {}), ...(privateSession ? { private: true } : {}) }),
      });
      if (response.status === 401 && auth) {
        speakerStorage.signIn.clear();
        setState({ idToken: undefined });
        throw new Error("Your sign-in has expired. Sign in again to create a session.");
      }
      if (response.status === 401) {
        speakerStorage.operatorSecret.clear();
        setState({ operatorNeeded: true });
        throw new Error(
          credential
            ? "That operator secret is wrong. Enter the one local mode printed when it started (or open the speaker link it printed)."
            : "Creating a session on this server needs its operator secret: enter the one local mode printed when it started.",
        );
      }
      if (credential && !state.idToken) speakerStorage.operatorSecret.save(credential);
      const body = await response.json();
      if (!response.ok) throw new Error(body?.error?.message ?? `The session could not be created (HTTP ${response.status}).`);
      const session = { ...(body as CreateSessionResponse), keepTranscript };
      speakerStorage.session.save(session);
      setState({ session, ended: false, transcript: { finals: [] }, listeners: {}, quotas: [] });
      connect(session);
    } catch (error) {
      setState({ error: plain(error) });
    }
  }

  async function start() {
    setState({ starting: true, error: undefined, hints: [] });
    // Each Start judges afresh: "no signal" counts from now, and another microphone has another room sound.
    const quality = new AudioQualityMonitor();
    let shown = quality.hints;
    try {
      capture = await startCapture({
        deviceId: state.microphone || undefined,
        onChunk: (chunk) => {
          // Measured before the chunk goes out: the sender may hand the buffer on.
          const hints = quality.add(chunk.pcm, chunk.capturedAt);
          if (hints !== shown) setState({ hints: (shown = hints) });
          sender?.push(chunk.pcm, chunk.capturedAt);
        },
        onLevel: (level) => setState({ level: level.rms }),
        onEnded: () => {
          setState({ capturing: false, error: "The microphone stopped. Check it is plugged in, then press Start." });
        },
      });
      setState({ capturing: true });
      await refreshMicrophones();
    } catch (error) {
      setState({ error: error instanceof CaptureError ? error.message : plain(error) });
    } finally {
      setState({ starting: false });
    }
  }

  async function stop() {
    await capture?.stop();
    capture = undefined;
    setState({ capturing: false, level: 0, hints: [] });
  }

  async function endSession() {
    await stop();
    ending = true;
    sendEnd();
    // The backend answers sessionEnded once the last segment is out; without that word, ask again, then end here anyway.
    const sessionId = state.session?.sessionId;
    setTimeout(() => state.session?.sessionId === sessionId && !state.ended && sendEnd(), END_REPEAT_MS);
    setTimeout(() => state.session?.sessionId === sessionId && endLocally(), END_GIVE_UP_MS);
  }

  function sendEnd() {
    // Says how far the audio went, so chunks still on their way (a reconnect's backlog) are heard before the end.
    const sent = (sender?.next ?? 0) - 1;
    if (state.session) socket?.send({ action: "endSession", sessionId: state.session.sessionId, ...(sent >= 0 ? { lastChunkIndex: sent } : {}) });
  }

  function endLocally() {
    if (state.ended) return;
    ending = false;
    void stop();
    clearInterval(poll);
    socket?.close();
    socket = undefined;
    clearTimeout(positionWait);
    if (state.session) speakerStorage.chunkNumbering.clear(state.session.sessionId);
    speakerStorage.session.clear();
    setState({ ended: true });
  }

  async function refreshMicrophones() {
    const devices = await listMicrophones();
    setState({ microphones: devices.map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` })) });
  }

  onMount(async () => {
    try {
      const response = await fetch(`${config.http}/languages`);
      setState({ languages: (await response.json()) as LanguagesResponse });
    } catch {
      setState({ error: "The server cannot be reached. Check your connection and reload the page." });
    }
    await refreshMicrophones().catch(() => undefined);
    // A reload keeps the session: the speaker token stays in this tab only.
    const session = speakerStorage.session.load();
    if (session) {
      const view = await fetch(`${config.http}/sessions/${session.sessionId}`, { headers: asSpeaker(session.speakerToken) }).then((r) => (r.ok ? r.json() : undefined));
      if (view?.status === "active") {
        setState({ session });
        connect(session);
      } else speakerStorage.session.clear();
    }
  });
  onCleanup(() => {
    clearInterval(poll);
    void capture?.stop();
    socket?.close();
  });

  // A private session's key rides in the fragment, which the listener app reads and no server sees.
  const joinUrl = () => `${listenerBase}${state.session!.sessionId}${state.session!.joinKey ? `#key=${state.session!.joinKey}` : ""}`;

  return (
    <div class="app">
      <header class="topbar">
        <span class="brand">livetranslate</span>
        <span class="role">Speaker</span>
        <Show when={state.session}>
          <span class="status" data-state={state.socket} role="status" aria-label="Connection">
            <span class="dot" aria-hidden="true" />
            {connectionText(state.socket, state.ended)}
          </span>
        </Show>
      </header>
      <main>
        <Show when={state.error}>
          <p class="notice error" role="alert">
            {state.error}
          </p>
        </Show>
        <Show
          when={state.session && !state.ended}
          fallback={
            <>
              <Show when={state.ended}>
                <p class="notice" role="status">The session has ended. Listeners have been told. You can start a new one below.</p>
                <Show when={state.session?.keepTranscript}>
                  <TranscriptDownloads http={config.http} session={state.session!} />
                </Show>
              </Show>
              <Show
                when={!auth || state.idToken}
                fallback={
                  <SignIn
                    auth={auth!}
                    onSignedIn={(idToken, expiresAt) => {
                      speakerStorage.signIn.save(idToken, expiresAt);
                      setState({ idToken, error: undefined });
                    }}
                  />
                }
              >
                <Show when={state.operatorNeeded && !auth}>
                  <OperatorSecret value={state.operatorSecret ?? ""} onInput={(operatorSecret) => setState({ operatorSecret })} />
                </Show>
                <CreateSession
                  languages={state.languages}
                  onCreate={(source, targets, keep, glossary, privateSession) => void createSession(source, targets, keep, glossary, privateSession)}
                />
              </Show>
            </>
          }
        >
          <div class="grid">
            <section class="panel live" aria-label="Microphone">
              <MicrophoneControls
                microphones={state.microphones}
                microphone={state.microphone}
                capturing={state.capturing}
                starting={state.starting}
                onMicrophone={(deviceId) => setState({ microphone: deviceId })}
                onStart={() => void start()}
                onStop={() => void stop()}
              />
              <LevelMeter level={state.level} active={state.capturing} />
              <AudioHints hints={state.capturing ? state.hints : []} />
              <TranscriptView transcript={state.transcript} />
            </section>
            <aside class="side">
              <SessionShare sessionId={state.session!.sessionId} url={joinUrl()} joinKey={state.session!.joinKey} />
              <OverloadNotice overload={state.overload} />
              <QuotaNotice quotas={state.quotas} />
              <ListenerCountsView languages={state.session!.targetLanguages} counts={state.listeners} latencyMs={state.latencyMs} />
              <button type="button" class="danger" onClick={() => void endSession()}>
                End session
              </button>
            </aside>
          </div>
        </Show>
      </main>
    </div>
  );
}

/** GET /sessions/{id} as the session's speaker: it sees its session ended too, and a private one without the key. */
function asSpeaker(speakerToken: string): Record<string, string> {
  return { authorization: `Bearer ${speakerToken}` };
}

function connectionText(socket: SocketState | "idle", ended: boolean): string {
  if (ended) return "Ended";
  return { idle: "Not connected", connecting: "Connecting…", open: "Connected", reconnecting: "Reconnecting…", closed: "Disconnected" }[socket];
}

function plain(error: unknown): string {
  if (error instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  return (error as Error)?.message ?? String(error);
}
