/**
 * The main-thread side of capture, used by the speaker app: open a microphone, run the capture worklet,
 * and hand out 16 kHz Int16 chunks with their capture time and level.
 */
import { type ChunkMessage, CaptureMessageType, DEFAULT_CHUNK_MS, PROCESSOR_NAME, type ProcessorOptions } from "./messages.ts";
import processorUrl from "./processor.ts?worker&url";

export interface CapturedChunk {
  pcm: Int16Array;
  /** Wall-clock time (epoch ms) of the chunk's first sample. */
  capturedAt: number;
  rms: number;
  peak: number;
}

export type CaptureErrorKind = "permission-denied" | "no-microphone" | "unsupported" | "failed";

export class CaptureError extends Error {
  constructor(
    readonly kind: CaptureErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "CaptureError";
  }
}

export interface CaptureOptions {
  deviceId?: string;
  chunkMs?: number;
  onChunk(chunk: CapturedChunk): void;
  /** The level of each chunk (RMS and peak, 0..1), for a meter. */
  onLevel?(level: { rms: number; peak: number }): void;
  /** The microphone stopped (unplugged, or permission revoked). */
  onEnded?(): void;
}

export interface Capture {
  /** The device's rate; the worklet resamples it to 16 kHz. */
  readonly sampleRate: number;
  readonly deviceLabel: string;
  stop(): Promise<void>;
}

export async function listMicrophones(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audioinput");
}

function explain(error: unknown): CaptureError {
  const name = (error as { name?: string })?.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return new CaptureError("permission-denied", "Microphone access was refused. Allow the microphone for this site and try again.");
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return new CaptureError("no-microphone", "No microphone was found. Plug one in or pick another, then try again.");
  }
  return new CaptureError("failed", `The microphone could not be started: ${(error as Error)?.message ?? String(error)}`);
}

export async function startCapture(options: CaptureOptions): Promise<Capture> {
  if (!navigator.mediaDevices?.getUserMedia || typeof AudioWorkletNode === "undefined") {
    throw new CaptureError("unsupported", "This browser cannot capture audio here (a secure https:// page or localhost is needed).");
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        deviceId: options.deviceId ? { exact: options.deviceId } : undefined,
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
  } catch (error) {
    throw explain(error);
  }
  const context = new AudioContext({ latencyHint: "interactive" });
  try {
    await context.audioWorklet.addModule(processorUrl);
    const source = context.createMediaStreamSource(stream);
    const processorOptions: ProcessorOptions = { chunkMs: options.chunkMs ?? DEFAULT_CHUNK_MS };
    const node = new AudioWorkletNode(context, PROCESSOR_NAME, { numberOfInputs: 1, numberOfOutputs: 0, processorOptions });
    const startedAt = Date.now();
    node.port.onmessage = (event: MessageEvent<ChunkMessage>) => {
      const message = event.data;
      if (message.type !== CaptureMessageType.Chunk) return;
      options.onLevel?.({ rms: message.rms, peak: message.peak });
      options.onChunk({
        pcm: new Int16Array(message.pcm),
        capturedAt: Math.round(startedAt + message.startTime * 1000),
        rms: message.rms,
        peak: message.peak,
      });
    };
    source.connect(node);
    const track = stream.getAudioTracks()[0];
    track?.addEventListener("ended", () => options.onEnded?.());
    return {
      sampleRate: context.sampleRate,
      deviceLabel: track?.label ?? "",
      async stop() {
        node.port.onmessage = null;
        source.disconnect();
        for (const t of stream.getTracks()) t.stop();
        await context.close();
      },
    };
  } catch (error) {
    for (const t of stream.getTracks()) t.stop();
    await context.close();
    throw explain(error);
  }
}
