/**
 * Silero VAD v5 (`models/silero-vad/silero_vad.onnx`, MIT, copied from the npm package
 * `@livekit/agents-plugin-silero` 1.9.0) run by onnxruntime-node on the CPU: one speech probability per 32 ms
 * frame. The model is loaded once, on the first frame, and shared by every stream of the process; a stream is
 * only its recurrent state and the last 64 samples, so opening one costs nothing.
 */
import { fileURLToPath } from "node:url";
import type { InferenceSession as Session } from "onnxruntime-node";
import type { VoiceActivityDetector, VoiceActivityStream } from "../../ports/index.ts";

/** Next to the package, not under src: the model is data, and it is read at run time, never bundled. */
export const SILERO_MODEL_PATH = fileURLToPath(new URL("../../../models/silero-vad/silero_vad.onnx", import.meta.url));

const FRAME = 512;
/** Silero v5 sees the 64 samples before each frame as well as the frame itself. */
const CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;

export class SileroVoiceActivity implements VoiceActivityDetector {
  readonly frameSamples = FRAME;
  private session?: Promise<Session>;

  constructor(private readonly modelPath = SILERO_MODEL_PATH) {}

  open(): VoiceActivityStream {
    return new SileroStream(() => (this.session ??= this.load()));
  }

  /** Loads the model now rather than on the first frame (a server warms up before audio arrives). */
  async ready(): Promise<void> {
    await (this.session ??= this.load());
  }

  private async load(): Promise<Session> {
    // Imported here so that a process which never asks for the neural detector never loads the native binding.
    const ort = await import("onnxruntime-node");
    // One thread: a frame is tiny, threads would only contend with the recognizer for the same two cores, and a
    // single-threaded run gives the same numbers each time, which a replayed stream relies on.
    return ort.InferenceSession.create(this.modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      executionProviders: ["cpu"],
    });
  }
}

class SileroStream implements VoiceActivityStream {
  private readonly input = new Float32Array(CONTEXT + FRAME);
  private state = new Float32Array(STATE_SIZE);
  private static readonly rate = BigInt64Array.from([16000n]);

  constructor(private readonly session: () => Promise<Session>) {}

  async speechProbability(frame: Int16Array): Promise<number> {
    if (frame.length !== FRAME) throw new Error(`Silero VAD takes frames of ${FRAME} samples, got ${frame.length}`);
    const session = await this.session();
    const { Tensor } = await import("onnxruntime-node");
    // The context is the end of the previous frame's input: shift it to the front, then append the new frame.
    this.input.copyWithin(0, FRAME);
    for (let i = 0; i < FRAME; i++) this.input[CONTEXT + i] = frame[i]! / 32768;
    const result = await session.run({
      input: new Tensor("float32", this.input.slice(), [1, CONTEXT + FRAME]),
      state: new Tensor("float32", this.state, [2, 1, 128]),
      sr: new Tensor("int64", SileroStream.rate),
    });
    this.state = new Float32Array(result.stateN!.data as Float32Array);
    return (result.output!.data as Float32Array)[0]!;
  }
}
